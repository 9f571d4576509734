import DOMPurify, { type Config } from 'dompurify';
import MarkdownIt from 'markdown-it';

/**
 * Model output is untrusted. markdown-it with `html: false` escapes any HTML the model writes; DOMPurify
 * then sanitises markdown-it's own output again, so a renderer bug cannot become script or style injection.
 */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false, langPrefix: 'language-' });

const safeUrl = /^https?:\/\//i;

// Only absolute http(s) links survive; markdown-it leaves anything else as plain text.
md.validateLink = (url: string): boolean => safeUrl.test(url.trim());

// Remote images are blocked by the CSP anyway; show them as links so nothing renders broken.
md.renderer.rules.image = (tokens, idx) => {
  const token = tokens[idx];
  const src = token.attrGet('src') ?? '';
  const alt = token.content || src;
  const text = md.utils.escapeHtml(`Image: ${alt}`);
  return safeUrl.test(src) ? `<a href="${md.utils.escapeHtml(src)}">${text}</a>` : text;
};

const purifyConfig: Config & { RETURN_TRUSTED_TYPE: false } = {
  ALLOWED_TAGS: [
    'a', 'p', 'br', 'hr', 'em', 'strong', 's', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span',
  ],
  ALLOWED_ATTR: ['href', 'title', 'class', 'start'],
  ALLOWED_URI_REGEXP: /^https?:\/\//i,
  ALLOW_DATA_ATTR: false,
  RETURN_TRUSTED_TYPE: false,
};

let hooked = false;
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node instanceof HTMLAnchorElement) {
      const href = node.getAttribute('href') ?? '';
      if (!safeUrl.test(href)) node.removeAttribute('href');
      else if (!node.title) node.title = href;
      node.setAttribute('rel', 'noopener noreferrer');
    }
    // Only markdown-it's language classes may carry through; nothing that could match our own UI styles.
    const cls = node.getAttribute?.('class');
    if (cls !== null && cls !== undefined && !/^language-[\w+#.-]+$/.test(cls)) node.removeAttribute('class');
  });
}

/**
 * Links in model text are inert: the sanitised `href` moves to `data-url` (and the tooltip), so neither a click,
 * a middle-click, a drag nor the webview's own link handling can navigate or run a `command:` URI. Activating
 * one asks the host (see {@link setLinkOpener}), which shows the full URL and opens it only after confirmation.
 */
function inertLinks(root: HTMLElement): void {
  for (const a of Array.from(root.querySelectorAll('a'))) {
    const href = a.getAttribute('href');
    a.removeAttribute('href');
    if (href && safeUrl.test(href)) {
      a.dataset.url = href;
      a.title = href;
      a.setAttribute('role', 'link');
      a.tabIndex = 0;
    }
  }
}

let opener: ((url: string) => void) | null = null;

/** Installs the one handler for links in rendered answers (each panel passes its `openLink` request). */
export function setLinkOpener(open: (url: string) => void): void {
  if (!opener) {
    const activate = (e: Event) => {
      const a = e.target instanceof Element ? e.target.closest('a[data-url]') : null;
      if (!(a instanceof HTMLAnchorElement)) return;
      e.preventDefault();
      const url = a.dataset.url ?? '';
      if (safeUrl.test(url)) opener?.(url);
    };
    document.addEventListener('click', activate);
    document.addEventListener('keydown', (e) => e.key === 'Enter' && activate(e));
    document.addEventListener('auxclick', (e) => e.preventDefault());
  }
  opener = open;
}

/** Markdown → sanitised HTML string (links still carry href; the DOM renderers below make them inert). */
export function renderMarkdownHtml(markdown: string): string {
  installHooks();
  return DOMPurify.sanitize(md.render(markdown), purifyConfig);
}

/** Renders Markdown into `target`, replacing its content. The only place model text becomes HTML. */
export function renderMarkdownInto(target: HTMLElement, markdown: string): void {
  target.innerHTML = renderMarkdownHtml(markdown);
  inertLinks(target);
  for (const pre of Array.from(target.querySelectorAll('pre'))) {
    const code = pre.querySelector('code');
    const lang = /language-([\w+#.-]+)/.exec(code?.className ?? '')?.[1];
    if (lang) pre.dataset.lang = lang;
  }
}

/** One line of model text (a judge's reason) with inline Markdown only: `code`, *emphasis*, links. */
export function renderInlineMarkdownInto(target: HTMLElement, text: string): HTMLElement {
  installHooks();
  target.innerHTML = DOMPurify.sanitize(md.renderInline(text), purifyConfig);
  inertLinks(target);
  return target;
}

/** A fenced code block of a Markdown answer, with the lines it spans (0-based, end exclusive). */
export interface CodeFence {
  lang: string;
  content: string;
  startLine: number;
  endLine: number;
}

export function codeFences(markdown: string): CodeFence[] {
  return md
    .parse(markdown, {})
    .filter((t) => t.type === 'fence' && t.map !== null)
    .map((t) => ({ lang: t.info.trim().split(/\s+/)[0] ?? '', content: t.content, startLine: t.map?.[0] ?? 0, endLine: t.map?.[1] ?? 0 }));
}

/**
 * The prose of an answer around the code it proposes: `markdown` without the fenced block holding `code`
 * (the first block when none matches exactly). Other code blocks stay, so the reader still sees them.
 */
export function proseAround(markdown: string, code: string): string {
  const fences = codeFences(markdown);
  if (fences.length === 0) return markdown.trim();
  const wanted = code.trim();
  const used = fences.find((f) => f.content.trim() === wanted) ?? fences[0];
  const lines = markdown.split('\n');
  lines.splice(used.startLine, used.endLine - used.startLine);
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}
