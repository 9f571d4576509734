/**
 * The trace panel's tag row (`#trace-tags`): each tag a chip (`.tag-chip[data-tag]`) with a remove button
 * (`.tag-remove`, aria-label "Remove tag X"), and "Edit Tags…" (`#trace-edit-tags`), which opens the
 * Traces view's tag QuickPick for this trace on the host. Nothing changes here until the host answers:
 * a removal the host refused (the trace is gone, a bad tag: the host says why) leaves the chip where it was.
 * Kept across renders, and chips are reused by tag, so the control that had focus keeps it.
 */
import { clear, h, icon } from '../shared/dom';

export interface TagRequests {
  /** Resolves with the trace's tags afterwards, or null when nothing was stored. */
  remove(traceId: string, tag: string): Promise<{ tags: string[] | null }>;
  edit(traceId: string): Promise<{ tags: string[] | null }>;
}

export class TagsControl {
  readonly root: HTMLElement;
  private readonly list = h('ul', { id: 'trace-tag-list', class: 'tag-list', attrs: { 'aria-labelledby': 'trace-tags-label' } });
  private readonly empty = h('span', { id: 'trace-tags-empty', class: 'muted' }, 'No tags');
  private readonly editButton: HTMLElement;
  private readonly error = h('div', { id: 'trace-tags-error', class: 'tags-error', role: 'alert' });
  private readonly chips = new Map<string, HTMLLIElement>();
  private traceId: string | null = null;
  private tags: string[] = [];
  /** A request is in flight: every tag control waits for its answer. */
  private busy = false;

  constructor(private readonly send: TagRequests) {
    this.editButton = h(
      'vscode-button',
      { id: 'trace-edit-tags', title: 'Add or remove tags (the same picker as in the Traces view)', attrs: { secondary: '', icon: 'tag' }, on: { click: () => void this.edit() } },
      'Edit Tags…',
    );
    this.root = h(
      'div',
      { id: 'trace-tags', class: 'tags-row' },
      h('span', { id: 'trace-tags-label', class: 'tags-label muted' }, 'Tags'),
      this.list,
      this.empty,
      this.editButton,
      this.error,
    );
  }

  /** Shows a trace's tags; a null trace (deleted, still running) shows them read-only. */
  update(traceId: string | null, tags: readonly string[]): void {
    if (traceId !== this.traceId) this.error.textContent = '';
    this.traceId = traceId;
    this.tags = [...tags];
    this.render();
  }

  private render(): void {
    const editable = this.traceId !== null;
    for (const [tag, chip] of this.chips) {
      if (!this.tags.includes(tag)) {
        chip.remove();
        this.chips.delete(tag);
      }
    }
    clear(this.list);
    for (const tag of this.tags) {
      const chip = this.chips.get(tag) ?? this.chip(tag);
      this.chips.set(tag, chip);
      const button = chip.querySelector('button');
      if (button) {
        button.hidden = !editable;
        button.disabled = this.busy;
      }
      this.list.append(chip);
    }
    this.list.hidden = this.tags.length === 0;
    this.empty.hidden = this.tags.length > 0;
    this.editButton.hidden = !editable;
    if (this.busy) this.editButton.setAttribute('disabled', '');
    else this.editButton.removeAttribute('disabled');
  }

  private chip(tag: string): HTMLLIElement {
    const label = `Remove tag ${tag}`;
    return h(
      'li',
      { class: 'tag-chip', attrs: { 'data-tag': tag } },
      icon('tag'),
      h('span', { class: 'tag-text' }, tag),
      h('button', { class: 'tag-remove', title: label, attrs: { type: 'button', 'aria-label': label }, on: { click: () => void this.remove(tag) } }, icon('close')),
    );
  }

  private async remove(tag: string): Promise<void> {
    const index = this.tags.indexOf(tag);
    await this.run((id) => this.send.remove(id, tag));
    // Keep the keyboard where it was: on this chip if it stayed (refused), else on the next one, else "Edit Tags…".
    const next = this.tags.includes(tag) ? tag : this.tags[Math.min(index, this.tags.length - 1)];
    const target = next !== undefined ? this.chips.get(next)?.querySelector('button') : null;
    if (this.root.isConnected) (target && !target.hidden ? target : this.editButton).focus();
  }

  private async edit(): Promise<void> {
    await this.run((id) => this.send.edit(id));
    if (this.root.isConnected && !this.editButton.hidden) this.editButton.focus();
  }

  /** Sends one request at a time; shows the tags the host answers with, or why it could not be asked. */
  private async run(call: (traceId: string) => Promise<{ tags: string[] | null }>): Promise<string[] | null> {
    const traceId = this.traceId;
    if (!traceId || this.busy) return null;
    this.busy = true;
    this.error.textContent = '';
    this.render();
    let tags: string[] | null = null;
    try {
      tags = (await call(traceId)).tags;
    } catch (err) {
      this.error.textContent = `Tags not changed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      this.busy = false;
    }
    // The host also re-sent the trace; its answer is the same list, shown even if that state was not.
    if (tags && this.traceId === traceId) this.tags = tags;
    this.render();
    return tags;
  }
}
