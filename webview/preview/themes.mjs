// The theme variables VS Code injects into webviews, for the themes the preview renders.
// Values are VS Code's Dark Modern, Light Modern and Dark High Contrast colours.

const common = {
  'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
  'font-size': '13px',
  'font-weight': 'normal',
  'editor-font-family': '"Droid Sans Mono", "monospace", monospace',
  'editor-font-size': '14px',
  'editor-font-weight': 'normal',
};

const dark = {
  foreground: '#cccccc',
  descriptionForeground: '#9d9d9d',
  errorForeground: '#f85149',
  focusBorder: '#0078d4',
  'editor-background': '#1f1f1f',
  'editor-foreground': '#cccccc',
  'editorLineNumber-foreground': '#6e7681',
  'editorWidget-background': '#202020',
  'editorWarning-foreground': '#cca700',
  'editorInfo-foreground': '#3794ff',
  'widget-border': '#313131',
  'panel-border': '#2b2b2b',
  'sideBar-background': '#181818',
  'sideBarTitle-foreground': '#cccccc',
  'sideBarSectionHeader-background': '#181818',
  'icon-foreground': '#cccccc',
  'button-background': '#0078d4',
  'button-foreground': '#ffffff',
  'button-border': '#ffffff12',
  'button-hoverBackground': '#026ec1',
  'button-secondaryBackground': '#313131',
  'button-secondaryForeground': '#cccccc',
  'button-secondaryHoverBackground': '#3c3c3c',
  'badge-background': '#616161',
  'badge-foreground': '#f8f8f8',
  'textLink-foreground': '#4daafc',
  'textLink-activeForeground': '#4daafc',
  'textCodeBlock-background': '#2b2b2b',
  'textPreformat-foreground': '#d0d0d0',
  'textPreformat-background': '#3c3c3c',
  'textBlockQuote-background': '#2b2b2b',
  'textBlockQuote-border': '#616161',
  'testing-iconPassed': '#73c991',
  'testing-iconFailed': '#f14c4c',
  'inputValidation-errorBackground': '#5a1d1d',
  'inputValidation-errorBorder': '#be1100',
  'inputValidation-warningBackground': '#352a05',
  'inputValidation-warningBorder': '#b89500',
  'list-hoverBackground': '#2a2d2e',
  'list-activeSelectionBackground': '#04395e',
  'list-activeSelectionForeground': '#ffffff',
  'list-inactiveSelectionBackground': '#37373d',
  'list-focusOutline': '#0078d4',
  'progressBar-background': '#0078d4',
  'toolbar-hoverBackground': '#5a5d5e50',
  'inputOption-activeBackground': '#2489db82',
  'inputOption-activeBorder': '#2488db',
  'inputOption-activeForeground': '#ffffff',
  'extensionIcon-starForeground': '#ff8e00',
  'scrollbarSlider-background': '#79797966',
  'scrollbarSlider-hoverBackground': '#646464b3',
  'scrollbarSlider-activeBackground': '#bfbfbf66',
  'charts-blue': '#3794ff',
  'charts-purple': '#b180d7',
  'charts-orange': '#d18616',
  'charts-green': '#89d185',
  'charts-red': '#f14c4c',
};

const light = {
  foreground: '#3b3b3b',
  descriptionForeground: '#717171',
  errorForeground: '#a1260d',
  focusBorder: '#005fb8',
  'editor-background': '#ffffff',
  'editor-foreground': '#3b3b3b',
  'editorLineNumber-foreground': '#6e7681',
  'editorWidget-background': '#f8f8f8',
  'editorWarning-foreground': '#bf8803',
  'editorInfo-foreground': '#1a85ff',
  'widget-border': '#e5e5e5',
  'panel-border': '#e5e5e5',
  'sideBar-background': '#f8f8f8',
  'sideBarTitle-foreground': '#3b3b3b',
  'sideBarSectionHeader-background': '#f8f8f8',
  'icon-foreground': '#3b3b3b',
  'button-background': '#005fb8',
  'button-foreground': '#ffffff',
  'button-border': '#0000001a',
  'button-hoverBackground': '#0258a8',
  'button-secondaryBackground': '#e5e5e5',
  'button-secondaryForeground': '#3b3b3b',
  'button-secondaryHoverBackground': '#cccccc',
  'badge-background': '#cccccc',
  'badge-foreground': '#3b3b3b',
  'textLink-foreground': '#005fb8',
  'textLink-activeForeground': '#005fb8',
  'textCodeBlock-background': '#f8f8f8',
  'textPreformat-foreground': '#3b3b3b',
  'textPreformat-background': '#0000001f',
  'textBlockQuote-background': '#f8f8f8',
  'textBlockQuote-border': '#e5e5e5',
  'testing-iconPassed': '#388a34',
  'testing-iconFailed': '#e51400',
  'inputValidation-errorBackground': '#f2dede',
  'inputValidation-errorBorder': '#be1100',
  'inputValidation-warningBackground': '#f6f5d2',
  'inputValidation-warningBorder': '#b89500',
  'list-hoverBackground': '#f2f2f2',
  'list-activeSelectionBackground': '#e8e8e8',
  'list-activeSelectionForeground': '#000000',
  'list-inactiveSelectionBackground': '#e4e6f1',
  'list-focusOutline': '#005fb8',
  'progressBar-background': '#005fb8',
  'toolbar-hoverBackground': '#b8b8b850',
  'inputOption-activeBackground': '#bed6ed',
  'inputOption-activeBorder': '#005fb8',
  'inputOption-activeForeground': '#000000',
  'extensionIcon-starForeground': '#df6100',
  'scrollbarSlider-background': '#64646466',
  'scrollbarSlider-hoverBackground': '#646464b3',
  'scrollbarSlider-activeBackground': '#00000099',
  'charts-blue': '#1a85ff',
  'charts-purple': '#652d90',
  'charts-orange': '#d18616',
  'charts-green': '#388a34',
  'charts-red': '#e51400',
};

const highContrast = {
  ...dark,
  foreground: '#ffffff',
  descriptionForeground: '#ffffffb3',
  errorForeground: '#f48771',
  focusBorder: '#f38518',
  contrastBorder: '#6fc3df',
  contrastActiveBorder: '#f38518',
  'editor-background': '#000000',
  'editorLineNumber-foreground': '#ffffff',
  'editorWidget-background': '#0c141f',
  'widget-border': '#6fc3df',
  'panel-border': '#6fc3df',
  'button-background': '#000000',
  'button-border': '#6fc3df',
  'button-secondaryBackground': '#000000',
  'button-secondaryForeground': '#ffffff',
  'badge-background': '#000000',
  'badge-foreground': '#ffffff',
  'textLink-foreground': '#21a6ff',
  'textCodeBlock-background': '#000000',
  'textPreformat-background': '#000000',
  'textPreformat-foreground': '#ffffff',
  'testing-iconPassed': '#73c991',
  'testing-iconFailed': '#f14c4c',
  'inputValidation-errorBackground': '#000000',
  'inputValidation-errorBorder': '#f48771',
  'list-hoverBackground': '#000000',
  'list-activeSelectionBackground': '#000000',
  'list-inactiveSelectionBackground': '#000000',
  'list-focusOutline': '#f38518',
  'inputOption-activeBackground': '#00000000',
  'inputOption-activeBorder': '#6fc3df',
  'inputOption-activeForeground': '#ffffff',
};

export const themes = {
  dark: { bodyClass: 'vscode-dark', kind: 'vscode-dark', vars: { ...common, ...dark } },
  light: { bodyClass: 'vscode-light', kind: 'vscode-light', vars: { ...common, ...light } },
  hc: { bodyClass: 'vscode-high-contrast', kind: 'vscode-high-contrast', vars: { ...common, ...highContrast } },
};

// VS Code's own webview defaults (workbench/contrib/webview/browser/pre/index.html), in their cascade layer,
// so the preview shows what the panels' CSS wins over and what it inherits.
const vscodeDefaults = `@layer vscode-default {
  html { scrollbar-color: var(--vscode-scrollbarSlider-background) var(--vscode-editor-background); }
  body {
    overscroll-behavior-x: none; background-color: transparent; color: var(--vscode-editor-foreground);
    font-family: var(--vscode-font-family); font-weight: var(--vscode-font-weight); font-size: var(--vscode-font-size);
    margin: 0; padding: 0 20px;
  }
  img, video { max-width: 100%; max-height: 100%; }
  a, a code { color: var(--vscode-textLink-foreground); }
  a:hover { color: var(--vscode-textLink-activeForeground); }
  code {
    font-family: var(--monaco-monospace-font); color: var(--vscode-textPreformat-foreground);
    background-color: var(--vscode-textPreformat-background); padding: 1px 3px; border-radius: 4px;
  }
  pre code { padding: 0; }
  blockquote { background: var(--vscode-textBlockQuote-background); border-color: var(--vscode-textBlockQuote-border); }
}
`;

/** The stylesheet that stands in for what VS Code puts into every webview: theme variables and defaults. */
export function themeCss(name) {
  const t = themes[name];
  const lines = Object.entries(t.vars).map(([k, v]) => `  --vscode-${k}: ${v};`);
  // VS Code paints the editor background on <html>; the webview body itself is transparent.
  return `html {\n${lines.join('\n')}\n  --monaco-monospace-font: ${t.vars['editor-font-family']};\n  background-color: ${t.vars['editor-background']};\n}\n${vscodeDefaults}`;
}
