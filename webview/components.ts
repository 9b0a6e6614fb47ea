/**
 * The only module that touches @vscode/webview-ui-toolkit. The rest of the panel asks for a
 * button or a badge by function, so the toolkit (deprecated upstream) can be swapped for
 * @vscode-elements/elements by rewriting this file alone.
 */
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeDivider } from '@vscode/webview-ui-toolkit';

let registered = false;

/** Defines the custom elements once; later calls are no-ops. */
export function registerComponents(): void {
  if (registered) return;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDivider());
  registered = true;
}

export interface ButtonOptions {
  appearance?: 'primary' | 'secondary';
  /** Accessible name when the label alone is not enough. */
  ariaLabel?: string;
}

export function button(label: string, onClick: () => void, opts: ButtonOptions = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  b.setAttribute('appearance', opts.appearance ?? 'primary');
  if (opts.ariaLabel) b.setAttribute('aria-label', opts.ariaLabel);
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}

export function setDisabled(control: HTMLElement, disabled: boolean): void {
  control.toggleAttribute('disabled', disabled);
}

/**
 * A count badge. Not <vscode-badge>: its template binds a `style` attribute, which the panel's
 * CSP (no 'unsafe-inline' for styles) blocks and reports; a span with the same theme colours
 * (media/panel.css) does the job.
 */
export function badge(text: string): HTMLElement {
  const b = document.createElement('span');
  b.className = 'ps-badge';
  b.textContent = text;
  return b;
}

export function divider(): HTMLElement {
  const d = document.createElement('vscode-divider');
  d.setAttribute('role', 'separator');
  return d;
}

/**
 * The icon for "a run is going": still, not a spinner. The toolkit's progress ring repaints the
 * panel 60 times a second, which took a fifth of a CPU in Chromium and, in VS Code without a GPU,
 * most of one, away from the program being profiled; a CSS spinner turning in 8 steps a second
 * still made the compositor draw 60 frames a second (8 % of a CPU). The panel's figures moving
 * (wall time, tasks, the timeline) show that the run is alive.
 */
export function busyIcon(label: string): HTMLElement {
  const icon = document.createElement('span');
  icon.className = 'ps-busy codicon codicon-pulse';
  icon.setAttribute('role', 'img');
  icon.setAttribute('aria-label', label);
  return icon;
}
