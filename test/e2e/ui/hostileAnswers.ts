/**
 * Hostile model answers (issue 11, point 4): what a compromised or prompt-injected model could stream into the
 * result and trace panels. Every active payload calls `console.log('CODI-PWNED …')`, `alert('CODI-PWNED')` or
 * requests the local canary server (`canary`): none of these may happen. Each answer starts with its marker
 * (`HOSTILE-<n>`), which the UI test waits for in the panels.
 */
export interface HostileAnswer {
  name: string;
  text: string;
}

export function hostileAnswers(canary: string): HostileAnswer[] {
  const js = (tag: string) => `console.log('CODI-PWNED ${tag}');fetch('${canary}/js-${tag}')`;
  const list: Array<[string, string]> = [
    ['script tag', `<script>${js('script')}</script>`],
    ['script with src', `<script src="${canary}/script-src.js"></script>`],
    ['img onerror', `<img src=x onerror="${js('onerror')}">`],
    ['raw img to canary', `<img src="${canary}/raw-img.png">`],
    ['markdown image to a remote host', `![tracking pixel](${canary}/md-image.png) and ![remote](https://tracker.invalid/pixel.gif)`],
    ['javascript: link', `[click me](javascript:${encodeURIComponent(js('jslink'))})`],
    ['javascript: link with entities', `<a href="jav&#x09;ascript:${js('entity-link')}">click</a> and [x](jav&#x09;ascript:alert('CODI-PWNED'))`],
    ['data: link', `[open](data:text/html;base64,${Buffer.from(`<script>${js('data')}</script>`).toString('base64')})`],
    ['command: link', '[Clear history](command:codi.clearHistory) and <a href="command:workbench.action.terminal.new">terminal</a>'],
    ['vscode: and file: links', '[settings](vscode://settings/codi.apiBaseUrl) [passwd](file:///etc/passwd) <file:///etc/passwd>'],
    ['autolink javascript', `<javascript:alert('CODI-PWNED')> and <${canary}/autolink>`],
    ['svg onload', `<svg onload="${js('svg-onload')}"><circle r="10"/></svg>`],
    ['svg with script', `<svg><script>${js('svg-script')}</script></svg>`],
    ['iframe', `<iframe src="${canary}/iframe" srcdoc="<script>${js('srcdoc')}</script>"></iframe>`],
    ['style tag (CSS injection)', `<style>body{background:url(${canary}/css-bg)} #view-trace{display:none!important}</style>`],
    ['inline style', `<div style="position:fixed;inset:0;z-index:9999;background:url(${canary}/inline-style)">overlay</div>`],
    ['link stylesheet', `<link rel="stylesheet" href="${canary}/link.css">`],
    ['meta refresh', `<meta http-equiv="refresh" content="0;url=${canary}/meta-refresh">`],
    ['base href', `<base href="${canary}/base/"> [relative](relative/path)`],
    ['object and embed', `<object data="${canary}/object"></object><embed src="${canary}/embed">`],
    ['form', `<form action="${canary}/form"><input name=q value=1><button>Submit</button></form>`],
    ['details ontoggle', `<details open ontoggle="${js('ontoggle')}"><summary>x</summary></details>`],
    ['input autofocus onfocus', `<input autofocus onfocus="${js('onfocus')}">`],
    ['video source onerror', `<video><source onerror="${js('video')}"></video>`],
    ['mutation XSS (math/style)', `<math><mtext><table><mglyph><style><img src=x onerror="${js('mxss')}"></style></mglyph></table></mtext></math>`],
    ['noscript title break-out', `<noscript><p title="</noscript><img src=x onerror=${js('noscript')}>">`],
    ['HTML comment', `<!-- <script>${js('comment')}</script> --> text after a comment`],
    ['HTML entities', `&lt;script&gt;${js('entities')}&lt;/script&gt; &#x3C;img src=x onerror=${js('entities2')}&#x3E;`],
    ['code fence break-out', `\`\`\`html\n</code></pre><script>${js('fence')}</script>\n\`\`\``],
    ['reference-style javascript link', `[innocent][1]\n\n[1]: javascript:alert('CODI-PWNED')`],
    ['RTL override and zero-width in code', '```js\nconst isAdmin = false;\n/* \u202E } \u2066if (isAdmin)\u2069 \u2066 begin admins only */\nconsole.log("user\u200B\u200D\uFEFFname");\n```\nThe comment above hides `\u202Eevil\u202C` with bidi controls.'],
    ['1 MB line', `A very long line follows.\n\n${'x'.repeat(1 << 20)}`],
    ['deeply nested list', Array.from({ length: 400 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n')],
    ['https link (inert until confirmed)', `Read [the docs](https://docs.example.invalid/a/very/long/path?with=query&and=more#fragment) for more.`],
  ];
  return list.map(([name, body], i) => ({ name, text: `HOSTILE-${i + 1} (${name})\n\n${body}\n` }));
}
