import type { ResultViewState } from '../../src/shared/protocol';
import type { CodeCheck } from '../../src/shared/types';
import { h, icon } from '../shared/dom';
import { proseAround, renderMarkdownInto } from '../shared/markdown';
import { MarkdownStream } from './explainView';
import type { BodyView } from './view';

export type GeneratedAction = 'showDiff' | 'accept' | 'reject';
type Generated = NonNullable<ResultViewState['generated']>;

export interface GenerateViewHost {
  /** Sends a `generated` request; resolves once the host has acted (it then sends a new snapshot). */
  act(action: GeneratedAction): Promise<void>;
  copy(text: string): Promise<void>;
}

const languageNames: Record<string, string> = {
  typescript: 'TypeScript',
  typescriptreact: 'TypeScript React',
  javascript: 'JavaScript',
  javascriptreact: 'JavaScript React',
  python: 'Python',
  go: 'Go',
  rust: 'Rust',
  java: 'Java',
  csharp: 'C#',
  cpp: 'C++',
  c: 'C',
  json: 'JSON',
  html: 'HTML',
  css: 'CSS',
  shellscript: 'Shell',
  plaintext: 'Plain text',
};

/** A language id safe to put in a class name; anything else reads as plain text. */
const safeLanguage = (id: string): string => (/^[\w+#.-]{1,40}$/.test(id) ? id.toLowerCase() : 'plaintext');
const languageName = (id: string): string => languageNames[id] ?? id.charAt(0).toUpperCase() + id.slice(1);

const checkNames: Record<CodeCheck['name'], string> = {
  parses: 'Parses',
  'single-code-block': 'Single code block',
};

const checkResult = (c: CodeCheck): 'pass' | 'fail' | 'unknown' => (c.passed === null ? 'unknown' : c.passed ? 'pass' : 'fail');
const checkIcons = { pass: 'pass-filled', fail: 'error', unknown: 'circle-slash' } as const;
const checkWords = { pass: 'passed', fail: 'failed', unknown: 'not checked' } as const;

function checkItem(c: CodeCheck): HTMLLIElement {
  const result = checkResult(c);
  return h(
    'li',
    { class: `check check-${result}`, attrs: { 'data-name': c.name, 'data-result': result } },
    h('span', { class: 'check-icon', title: checkWords[result], role: 'img', attrs: { 'aria-label': checkWords[result] } }, icon(checkIcons[result])),
    h('span', { class: 'check-name' }, checkNames[c.name] ?? c.name),
    h('span', { class: 'check-detail' }, c.detail || (result === 'unknown' ? 'Not checked for this language.' : '')),
  );
}

function codeBlock(g: Generated, copyButton: HTMLElement): HTMLElement {
  const lang = safeLanguage(g.language);
  const code = g.code.replace(/\n$/, '');
  const lineCount = code.split('\n').length;
  const gutter = h('div', { class: 'gutter', attrs: { 'aria-hidden': 'true' } }, Array.from({ length: lineCount }, (_, i) => String(i + 1)).join('\n'));
  return h(
    'div',
    { class: 'code-block', id: 'generated-code' },
    h(
      'div',
      { class: 'code-header' },
      h('span', { class: 'code-lang' }, languageName(lang)),
      h('span', { class: 'code-lines muted' }, `${lineCount} line${lineCount === 1 ? '' : 's'}`),
      h('span', { class: 'spacer' }),
      copyButton,
    ),
    h('div', { class: 'code-frame' }, gutter, h('pre', { class: 'code', attrs: { tabindex: '0', 'aria-label': 'Generated code' } }, h('code', { class: `language-${lang}` }, code))),
  );
}

/** Generate: the proposed code, its checks, and the buttons that apply or discard it. */
export class GenerateView implements BodyView {
  private readonly stream = new MarkdownStream('generate-stream', 'Model answer');
  private readonly proposal = h('div', { class: 'proposal' });
  readonly root = h('section', { id: 'generate', class: 'generate-view' }, this.stream.placeholder, this.stream.article, this.proposal);
  readonly copyTitle = 'Copy the generated code';

  private readonly acceptButton = h('vscode-button', { id: 'accept', attrs: { icon: 'check' } }, 'Accept');
  private readonly diffButton = h('vscode-button', { id: 'show-diff', attrs: { icon: 'diff' } }, 'Show diff');
  private readonly rejectButton = h('vscode-button', { id: 'reject', attrs: { icon: 'close' } }, 'Reject');
  private readonly stateNote = h('span', { id: 'generated-state', class: 'state-note', attrs: { 'aria-live': 'polite' } });
  private readonly copyCode = h('vscode-toolbar-button', { id: 'copy-code', title: 'Copy code', attrs: { icon: 'copy', label: 'Copy code' } });
  private readonly notes = h('vscode-collapsible', { id: 'notes', class: 'notes' });
  private readonly notesBody = h('div', { class: 'markdown-body notes-body' });
  private readonly actionBar = h(
    'div',
    { id: 'generate-actions', class: 'action-bar' },
    h('div', { class: 'action-buttons' }, this.acceptButton, this.diffButton, this.rejectButton),
    this.stateNote,
  );
  private inFlight: GeneratedAction | null = null;
  private state: ResultViewState | null = null;
  private notesFor: string | null = null;
  /** The code block is rebuilt only when the code changes, so its scroll position and selection survive. */
  private code: { key: string; el: HTMLElement } | null = null;

  constructor(private readonly host: GenerateViewHost) {
    this.diffButton.secondary = true;
    this.rejectButton.secondary = true;
    this.acceptButton.title = 'Apply the proposed code to the file';
    this.diffButton.title = 'Compare the proposed code with the file';
    this.rejectButton.title = 'Discard the proposal';
    this.notes.heading = 'Notes';
    this.notes.open = false;
    this.notes.append(this.notesBody);
    this.acceptButton.addEventListener('click', () => this.run('accept', this.acceptButton));
    this.diffButton.addEventListener('click', () => this.run('showDiff', this.diffButton));
    this.rejectButton.addEventListener('click', () => this.run('reject', this.rejectButton));
    this.copyCode.addEventListener('click', () => {
      const g = this.state?.generated;
      if (!g) return;
      void this.host.copy(g.code).then(() => {
        this.copyCode.icon = 'check';
        window.setTimeout(() => (this.copyCode.icon = 'copy'), 1500);
      });
    });
  }

  render(s: ResultViewState): void {
    if (this.state?.traceId !== s.traceId) this.inFlight = null;
    this.state = s;
    const g = s.generated;
    // Until the host has extracted the code, the answer streams as Markdown like any other.
    if (!g) {
      this.stream.render(s);
      this.proposal.replaceChildren();
      this.root.removeAttribute('data-state');
      return;
    }
    this.stream.reset();
    this.root.dataset.state = g.state;
    const key = `${g.language}\n${g.code}`;
    if (this.code?.key !== key) this.code = { key, el: codeBlock(g, this.copyCode) };
    this.updateActions(s, g);
    const parts = [this.code.el, this.actionBar, this.checksSection(g), this.notesSection(s, g)].filter((p): p is HTMLElement => p !== null);
    // Keep the nodes that stay (moving a focused button would blur it); replace only the rebuilt sections.
    if (parts.length !== this.proposal.children.length || parts.some((p, i) => this.proposal.children[i] !== p)) this.proposal.replaceChildren(...parts);
  }

  renderStream(s: ResultViewState): void {
    if (!s.generated) this.stream.render(s);
  }

  copyText(s: ResultViewState): string {
    return s.generated?.code ?? (s.markdown.trim() === '' ? '' : s.markdown);
  }

  private run(action: GeneratedAction, button: HTMLElementTagNameMap['vscode-button']): void {
    if (button.disabled || this.inFlight) return;
    this.inFlight = action;
    if (this.state?.generated) this.updateActions(this.state, this.state.generated);
    const previousIcon = button.icon;
    button.icon = 'loading';
    button.iconSpin = true;
    this.host
      .act(action)
      .catch((err: unknown) => console.error(`[codi] ${action} failed`, err))
      .finally(() => {
        button.icon = previousIcon;
        button.iconSpin = false;
        this.inFlight = null;
        if (this.state?.generated) this.updateActions(this.state, this.state.generated);
      });
  }

  private updateActions(s: ResultViewState, g: Generated): void {
    const decided = g.state !== 'proposed';
    const busy = this.inFlight !== null;
    this.acceptButton.disabled = decided || busy;
    this.rejectButton.disabled = decided || busy;
    this.diffButton.disabled = g.state !== 'proposed' || busy;
    this.acceptButton.textContent = g.state === 'accepted' ? 'Accepted' : 'Accept';
    this.rejectButton.textContent = g.state === 'rejected' ? 'Rejected' : 'Reject';
    const failed = g.checks.filter((c) => c.passed === false).length;
    let note: HTMLElement[];
    if (g.state === 'accepted') note = [icon('pass-filled', 'state-accepted'), h('span', null, 'Accepted — the code was applied to the file.')];
    else if (g.state === 'rejected') note = [icon('circle-slash', 'state-rejected'), h('span', null, 'Rejected — the proposal was discarded.')];
    else if (failed) note = [icon('warning', 'state-warning'), h('span', null, `${failed} check${failed === 1 ? '' : 's'} failed — review before accepting.`)];
    else if (s.status === 'judging') note = [h('span', { class: 'muted' }, 'Not applied yet. The judge is still scoring it.')];
    else note = [h('span', { class: 'muted' }, 'Not applied yet.')];
    this.stateNote.replaceChildren(...note);
    this.stateNote.dataset.state = g.state;
  }

  private checksSection(g: Generated): HTMLElement | null {
    if (g.checks.length === 0) return null;
    const passed = g.checks.filter((c) => c.passed === true).length;
    return h(
      'section',
      { id: 'checks', class: 'section checks' },
      h('h2', { class: 'section-title' }, 'Checks', h('span', { class: 'count' }, `${passed} of ${g.checks.length} passed`)),
      h('ul', { class: 'check-list' }, ...g.checks.map(checkItem)),
    );
  }

  private notesSection(s: ResultViewState, g: Generated): HTMLElement | null {
    const prose = proseAround(s.markdown, g.code);
    if (prose === '') return null;
    if (prose !== this.notesFor) {
      renderMarkdownInto(this.notesBody, prose);
      this.notesFor = prose;
      const blocks = this.notesBody.querySelectorAll('pre').length;
      this.notes.description = blocks ? `${blocks} more code block${blocks === 1 ? '' : 's'}` : '';
    }
    return h('section', { class: 'section notes-section' }, this.notes);
  }
}
