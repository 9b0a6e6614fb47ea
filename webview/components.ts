/**
 * The panel's controls, by function: native elements styled with VS Code's theme variables
 * (media/panel.css), so they follow light, dark and high-contrast themes and are reached and
 * pressed with the keyboard like any button. The rest of the panel asks for a button or a badge
 * here, so a component library could come back by rewriting this file alone.
 */

export interface ButtonOptions {
  appearance?: 'primary' | 'secondary';
  /** Accessible name when the label alone is not enough. */
  ariaLabel?: string;
}

export function button(label: string, onClick: () => void, opts: ButtonOptions = {}): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `ps-button ps-button-${opts.appearance ?? 'primary'}`;
  b.textContent = label;
  if (opts.ariaLabel) b.setAttribute('aria-label', opts.ariaLabel);
  // A disabled <button> fires no click: no check needed here.
  b.addEventListener('click', onClick);
  return b;
}

export function setDisabled(control: HTMLElement, disabled: boolean): void {
  if (control instanceof HTMLButtonElement) control.disabled = disabled;
  else control.toggleAttribute('disabled', disabled);
}

/** A count badge, in the theme's badge colours (media/panel.css). */
export function badge(text: string): HTMLElement {
  const b = document.createElement('span');
  b.className = 'ps-badge';
  b.textContent = text;
  return b;
}

/**
 * The icon for "a run is going": still, not a spinner. A progress ring repaints the panel 60
 * times a second, which took a fifth of a CPU in Chromium and, in VS Code without a GPU, most of
 * one, away from the program being profiled; a CSS spinner turning in 8 steps a second still made
 * the compositor draw 60 frames a second (8 % of a CPU). The panel's figures moving (wall time,
 * tasks, the timeline) show that the run is alive.
 */
export function busyIcon(label: string): HTMLElement {
  const icon = document.createElement('span');
  icon.className = 'ps-busy codicon codicon-pulse';
  icon.setAttribute('role', 'img');
  icon.setAttribute('aria-label', label);
  return icon;
}
