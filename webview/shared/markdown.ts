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

/** Markdown → sanitised HTML string. */
export function renderMarkdownHtml(markdown: string): string {
  installHooks();
  return DOMPurify.sanitize(md.render(markdown), purifyConfig);
}

/** Renders Markdown into `target`, replacing its content. The only place model text becomes HTML. */
export function renderMarkdownInto(target: HTMLElement, markdown: string): void {
  target.innerHTML = renderMarkdownHtml(markdown);
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
  return target;
}
