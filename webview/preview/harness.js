// Stands in for VS Code's webview host inside the preview page: the acquireVsCodeApi() handle, the
// theme class on <body>, and a way for the preview script to push host events. Loaded before the bundle.
(() => {
  const params = new URLSearchParams(location.search);
  const sent = [];
  const csp = [];
  let state;
  let acquired = false;
  // `fail[method] = message` makes the stand-in host answer that method with an error, to preview reverts.
  window.__preview = { sent, csp, ready: false, errors: [], fail: {} };
  document.addEventListener('securitypolicyviolation', (e) => {
    csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile ?? ''}:${e.lineNumber ?? ''}`);
  });
  window.addEventListener('error', (e) => window.__preview.errors.push(String(e.message)));
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return {
      postMessage(msg) {
        sent.push(msg);
        if (msg && typeof msg.id === 'number') {
          setTimeout(() => {
            const failure = window.__preview.fail[msg.method];
            window.postMessage(failure ? { id: msg.id, error: { message: failure } } : { id: msg.id, result: { ok: true } }, '*');
            if (msg.method === 'ready') window.__preview.ready = true;
          }, 0);
        }
      },
      getState: () => state,
      setState: (s) => {
        state = s;
        return s;
      },
    };
  };
  window.__push = (event, data) => window.postMessage({ event, data }, '*');
  const theme = params.get('theme') ?? 'dark';
  const kind = { dark: 'vscode-dark', light: 'vscode-light', hc: 'vscode-high-contrast' }[theme] ?? 'vscode-dark';
  const applyTheme = () => {
    document.body.classList.add(kind);
    document.body.dataset.vscodeThemeKind = kind;
  };
  if (document.body) applyTheme();
  else document.addEventListener('DOMContentLoaded', applyTheme);
})();
