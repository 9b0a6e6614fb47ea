/**
 * Canvas colours come from the VS Code theme's CSS variables, read when drawing (a canvas cannot
 * use var()). VS Code switches themes by changing the body class (vscode-light, vscode-dark,
 * vscode-high-contrast…) and the variables in the html element's style, so both are watched.
 */

export interface Palette {
  fg: string;
  muted: string;
  bg: string;
  grid: string;
  idle: string;
  unpickle: string;
  result: string;
  error: string;
  focus: string;
  /** Compute colour per call site, cycled. */
  sites: string[];
  /** One colour per process for the usage charts, cycled. */
  lanes: string[];
  highContrast: boolean;
}

/** How many compute colours call sites cycle through. */
export const SITE_COLOURS = 4;

let cached: Palette | null = null;

export function palette(): Palette {
  if (cached) return cached;
  const style = getComputedStyle(document.body);
  const v = (name: string, ...fallbacks: string[]): string => {
    for (const n of [name, ...fallbacks]) {
      const value = style.getPropertyValue(n).trim();
      if (value) return value;
    }
    return style.color || 'gray';
  };
  const fg = v('--vscode-foreground', '--vscode-editor-foreground');
  const blue = v('--vscode-charts-blue');
  const green = v('--vscode-charts-green');
  const purple = v('--vscode-charts-purple');
  const yellow = v('--vscode-charts-yellow');
  const orange = v('--vscode-charts-orange');
  const red = v('--vscode-charts-red', '--vscode-errorForeground');
  cached = {
    fg,
    muted: v('--vscode-descriptionForeground', '--vscode-foreground'),
    bg: v('--vscode-editor-background'),
    grid: v('--vscode-charts-lines', '--vscode-widget-border', '--vscode-panel-border'),
    idle: v('--vscode-editorWidget-background', '--vscode-sideBar-background', '--vscode-editor-background'),
    unpickle: purple,
    result: orange,
    error: red,
    focus: v('--vscode-focusBorder'),
    sites: [blue, green, yellow, v('--vscode-charts-foreground', '--vscode-foreground')],
    lanes: [blue, orange, green, purple, yellow, red, v('--vscode-charts-foreground', '--vscode-foreground')],
    highContrast: document.body.classList.contains('vscode-high-contrast'),
  };
  return cached;
}

/** Calls `onChange` after the theme changed; the palette is re-read on the next draw. */
export function watchTheme(onChange: () => void): MutationObserver {
  const observer = new MutationObserver(() => {
    cached = null;
    onChange();
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return observer;
}

export function siteColour(p: Palette, site: number): string {
  return site < 0 ? p.muted : p.sites[site % p.sites.length];
}
