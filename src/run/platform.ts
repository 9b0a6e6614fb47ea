/**
 * Where PoolScope runs. The Python agent records into shared memory mappings and ends runs as
 * process groups: Linux has both (also inside WSL, Remote-SSH hosts and dev containers, where the
 * extension runs on the remote side); macOS is untested; Windows lacks them.
 */
export type PlatformSupport = { supported: true; warning?: string } | { supported: false; message: string };

export function platformSupport(platform: NodeJS.Platform = process.platform): PlatformSupport {
  if (platform === 'linux') return { supported: true };
  if (platform === 'darwin')
    return {
      supported: true,
      warning:
        'PoolScope is untested on macOS: run-queue waits are not measured there and other figures may be off.',
    };
  return {
    supported: false,
    message:
      `PoolScope runs on Linux, not on ${platform}: its agent records into shared memory mappings and ` +
      'ends runs as process groups, which this system lacks. Open the folder in WSL, a dev container or ' +
      'over Remote-SSH to a Linux machine, and profile there; nothing was run.',
  };
}
