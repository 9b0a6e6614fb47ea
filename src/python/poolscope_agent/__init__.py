"""PoolScope agent: records what a Python `multiprocessing` program does.

Standard library only, no threads, no compiled extension. The launcher
(`poolscope_launch.py`) starts it in the main process; children reach it through
the fork hook (fork), a prefix on the `-c` command line (spawn), or the fork
server's own command line (forkserver). What it writes is described in
docs/trace-format.md.

Modules, one idea each:
  launcher       runs the script as `python script.py` would
  install        starts the agent in a process; what to patch on which import
  codecache      the agent's compiled code, so no process compiles it twice
  importhook     patch a module right after its first import
  patching       replace attributes, keep the originals
  state          who this process is, its recorder, agent-fault reporting
  recorder       the mmap'd event files
  jsonenc        META payloads
  callsite       the user's file:line
  process_hooks  start / role / exit / reaped, and a new file per forked child
  spawn_boot     the boot put in front of spawn's and the fork server's `-c`
  channel_hooks  which connection carries what; `channel` META
  message_hooks  SEND / RECV / RUN (the hot path)
  sampling       plain messages on a flood: all counted, some recorded in full
  pool_hooks     Pool: `pool` and `call` METAs
  executor_hooks ProcessPoolExecutor: `pool` and `call` METAs
  manager_hooks  Manager proxies: `mgr` META
  guard          the missing `if __name__ == "__main__":` guard
"""

AGENT_VERSION = "0.1.0"
FORMAT_VERSION = 1
