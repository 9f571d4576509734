/** Tiny DOM builders: every text goes through textContent, never through HTML parsing. */
import type { Usage } from '../../src/shared/types';
import { formatTokens } from './format';

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  id?: string;
  title?: string;
  role?: string;
  /** Other attributes, set with setAttribute (never `style`: CSP forbids inline style attributes). */
  attrs?: Record<string, string>;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    if (props.class) el.className = props.class;
    if (props.id) el.id = props.id;
    if (props.title) el.title = props.title;
    if (props.role) el.setAttribute('role', props.role);
    if (props.attrs) for (const [k, v] of Object.entries(props.attrs)) el.setAttribute(k, v);
    if (props.on) {
      for (const [type, fn] of Object.entries(props.on)) el.addEventListener(type, fn as EventListener);
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** A codicon glyph, hidden from screen readers (the text beside it carries the meaning). */
export function icon(name: string, extraClass = ''): HTMLSpanElement {
  const el = h('span', { class: `codicon codicon-${name}${extraClass ? ` ${extraClass}` : ''}` });
  el.setAttribute('aria-hidden', 'true');
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** A label/value pair in a stats strip: "Tokens 1,234". */
export function stat(label: string, value: Child, title?: string): HTMLDivElement {
  return h(
    'div',
    { class: 'stat', title },
    h('span', { class: 'stat-label' }, label),
    h('span', { class: 'stat-value' }, value),
  );
}

/** Total tokens with the split underneath: "1,432" / "412 in · 286 out · 734 thinking". */
export function usageValue(u: Usage | null): Child {
  if (!u) return '—';
  const split = `${formatTokens(u.promptTokens)} in · ${formatTokens(u.outputTokens)} out${u.thinkingTokens ? ` · ${formatTokens(u.thinkingTokens)} thinking` : ''}`;
  return h('span', { class: 'stat-stack' }, formatTokens(u.totalTokens), h('span', { class: 'stat-detail' }, split));
}
