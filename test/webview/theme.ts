/**
 * The theme variables VS Code defines in a webview (a subset: the ones the panel reads),
 * with the values of the Light Modern and Dark Modern themes, and VS Code's default webview
 * body styles. VS Code sets them from script; the test page sets them from a stylesheet keyed on
 * the body class, which also lets a test switch themes by switching the class.
 */

const LIGHT: Record<string, string> = {
  foreground: '#3b3b3b',
  descriptionForeground: '#3b3b3b',
  errorForeground: '#f85149',
  focusBorder: '#005fb8',
  'widget-border': '#e5e5e5',
  'widget-shadow': 'rgba(0, 0, 0, 0.16)',
  'panel-border': '#e5e5e5',
  contrastBorder: '',
  'editor-background': '#ffffff',
  'editor-foreground': '#3b3b3b',
  'editorWidget-background': '#f8f8f8',
  'editorHoverWidget-background': '#f8f8f8',
  'editorHoverWidget-foreground': '#3b3b3b',
  'editorHoverWidget-border': '#c8c8c8',
  'editorWarning-foreground': '#bf8803',
  'editorInfo-foreground': '#1a85ff',
  'textLink-foreground': '#005fb8',
  'textLink-activeForeground': '#005fb8',
  'textBlockQuote-background': '#f8f8f8',
  'badge-background': '#cccccc',
  'badge-foreground': '#3b3b3b',
  'button-background': '#005fb8',
  'button-foreground': '#ffffff',
  'button-hoverBackground': '#0258a8',
  'button-border': '#0000001a',
  'button-secondaryBackground': '#e5e5e5',
  'button-secondaryForeground': '#3b3b3b',
  'button-secondaryHoverBackground': '#cccccc',
  'progressBar-background': '#005fb8',
  'charts-foreground': '#616161',
  'charts-lines': 'rgba(97, 97, 97, 0.5)',
  'charts-red': '#e51400',
  'charts-blue': '#1a85ff',
  'charts-yellow': '#bf8803',
  'charts-orange': '#d18616',
  'charts-green': '#388a34',
  'charts-purple': '#652d90',
  'dropdown-background': '#ffffff',
  'dropdown-foreground': '#3b3b3b',
  'dropdown-border': '#cecece',
};

const DARK: Record<string, string> = {
  foreground: '#cccccc',
  descriptionForeground: '#9d9d9d',
  errorForeground: '#f85149',
  focusBorder: '#0078d4',
  'widget-border': '#313131',
  'widget-shadow': 'rgba(0, 0, 0, 0.36)',
  'panel-border': '#2b2b2b',
  contrastBorder: '',
  'editor-background': '#1f1f1f',
  'editor-foreground': '#cccccc',
  'editorWidget-background': '#202020',
  'editorHoverWidget-background': '#202020',
  'editorHoverWidget-foreground': '#cccccc',
  'editorHoverWidget-border': '#454545',
  'editorWarning-foreground': '#cca700',
  'editorInfo-foreground': '#3794ff',
  'textLink-foreground': '#4daafc',
  'textLink-activeForeground': '#4daafc',
  'textBlockQuote-background': '#2b2b2b',
  'badge-background': '#616161',
  'badge-foreground': '#f8f8f8',
  'button-background': '#0078d4',
  'button-foreground': '#ffffff',
  'button-hoverBackground': '#026ec1',
  'button-border': '#ffffff12',
  'button-secondaryBackground': '#313131',
  'button-secondaryForeground': '#cccccc',
  'button-secondaryHoverBackground': '#3c3c3c',
  'progressBar-background': '#0078d4',
  'charts-foreground': '#cccccc',
  'charts-lines': 'rgba(204, 204, 204, 0.5)',
  'charts-red': '#f14c4c',
  'charts-blue': '#3794ff',
  'charts-yellow': '#cca700',
  'charts-orange': '#d18616',
  'charts-green': '#89d185',
  'charts-purple': '#b180d7',
  'dropdown-background': '#313131',
  'dropdown-foreground': '#cccccc',
  'dropdown-border': '#3c3c3c',
};

export const THEMES = { light: LIGHT, dark: DARK };

const FONT = [
  "--vscode-font-family: system-ui, 'Ubuntu', 'Droid Sans', sans-serif;",
  '--vscode-font-weight: normal;',
  '--vscode-font-size: 13px;',
  "--vscode-editor-font-family: 'Droid Sans Mono', 'monospace', monospace;",
].join('\n  ');

function block(selector: string, vars: Record<string, string>): string {
  const lines = Object.entries(vars)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `  --vscode-${k}: ${v};`);
  return `${selector} {\n  ${FONT}\n${lines.join('\n')}\n}`;
}

export const THEME_CSS = `${block('body.vscode-light', LIGHT)}
${block('body.vscode-dark', DARK)}
html { scrollbar-color: var(--vscode-scrollbarSlider-background) var(--vscode-editor-background); }
body {
  background-color: var(--vscode-editor-background);
  color: var(--vscode-editor-foreground);
  font-family: var(--vscode-font-family);
  font-weight: var(--vscode-font-weight);
  font-size: var(--vscode-font-size);
  margin: 0;
  padding: 0 20px;
}
`;
