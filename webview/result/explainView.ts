import type { ResultViewState } from '../../src/shared/protocol';
import { clear, h, icon } from '../shared/dom';
import { renderMarkdownInto } from '../shared/markdown';
import { isBusy, type BodyView } from './view';

/**
 * Streamed Markdown with a placeholder while nothing has arrived. The Explain view is just this; the
 * Generate view shows it until the host has extracted the code.
 */
export class MarkdownStream {
  readonly placeholder = h('div', { class: 'placeholder muted' });
  readonly article: HTMLElement;
  private rendered: string | null = null;

  constructor(id: string, label: string, placeholderId?: string) {
    this.article = h('article', { id, class: 'markdown-body stream', attrs: { 'aria-label': label } });
    if (placeholderId) this.placeholder.id = placeholderId;
  }

  /** Drops the rendered text, for when another view of the same answer replaces it. */
  reset(): void {
    this.article.replaceChildren();
    this.article.classList.add('hidden');
    this.placeholder.classList.add('hidden');
    this.rendered = null;
  }

  render(s: ResultViewState): void {
    const empty = s.markdown.trim() === '';
    this.article.classList.toggle('hidden', empty);
    this.placeholder.classList.toggle('hidden', !empty || s.status === 'error');
    clear(this.placeholder);
    if (empty && s.status === 'running') {
      this.placeholder.append(icon('loading', 'codicon-modifier-spin'), ' Waiting for the model…');
    } else if (empty && s.status === 'cancelled') {
      this.placeholder.append('Cancelled before the model answered.');
    } else if (empty) {
      this.placeholder.append('The model returned no text.');
    }
    if (s.markdown === this.rendered) return;
    // Follow the stream only when the reader is already at the bottom; never yank them away from what they read.
    const root = document.scrollingElement ?? document.documentElement;
    const atBottom = root.scrollHeight - root.scrollTop - root.clientHeight < 48;
    renderMarkdownInto(this.article, s.markdown);
    this.rendered = s.markdown;
    if (atBottom && isBusy(s) && root.scrollTop > 0) root.scrollTop = root.scrollHeight;
  }
}

export class ExplainView implements BodyView {
  private readonly stream = new MarkdownStream('explanation', 'Explanation', 'placeholder');
  readonly root = h('div', { class: 'explain-view' }, this.stream.placeholder, this.stream.article);
  readonly copyTitle = 'Copy the answer as Markdown';

  render(s: ResultViewState): void {
    this.stream.render(s);
  }

  renderStream(s: ResultViewState): void {
    this.stream.render(s);
  }

  copyText(s: ResultViewState): string {
    return s.markdown.trim() === '' ? '' : s.markdown;
  }
}
