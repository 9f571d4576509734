/** The Opik part of a panel header: an "Open in Opik" button once the trace is exported, a state chip before. */
import type { OpikLinkState } from '../../src/shared/protocol';
import { h } from './dom';

export type OpenInOpik = (traceId: string) => Promise<unknown>;

const stateLabels: Record<'pending' | 'failed', { text: string; icon: string; tip: string }> = {
  pending: { text: 'Opik: queued', icon: 'cloud-upload', tip: 'Queued for export to Opik' },
  failed: { text: 'Opik: failed', icon: 'warning', tip: 'Export to Opik failed' },
};

/**
 * One persistent slot (`.opik-slot`) holding the `#open-in-opik` button and the `#opik-state` chip, updated in
 * place so a focused button keeps its focus when the host re-sends the state.
 */
export class OpikControl {
  readonly root: HTMLSpanElement;
  private readonly button: HTMLElementTagNameMap['vscode-button'];
  private readonly chip: HTMLSpanElement;
  private readonly chipIcon: HTMLSpanElement;
  private readonly chipText: HTMLSpanElement;
  private readonly chipDetail: HTMLSpanElement;
  private traceId: string | null = null;

  /** `what` names the thing in the button's tooltip ("trace", "experiment"). */
  constructor(
    open: OpenInOpik,
    private readonly what = 'trace',
  ) {
    this.button = h('vscode-button', { id: 'open-in-opik', class: 'hidden', attrs: { icon: 'link-external' } }, 'Open in Opik');
    this.button.secondary = true;
    this.button.addEventListener('click', () => {
      if (!this.traceId || this.button.disabled) return;
      void open(this.traceId).catch((err: unknown) => console.error('[codi] openInOpik failed', err));
    });
    this.chipIcon = h('span');
    this.chipText = h('span', { class: 'opik-state-text' });
    // The tooltip's detail, for screen readers (a title alone is not announced reliably).
    this.chipDetail = h('span', { class: 'sr-only' });
    this.chip = h('span', { id: 'opik-state', class: 'opik-state hidden', role: 'status', attrs: { tabindex: '0' } }, this.chipIcon, this.chipText, this.chipDetail);
    this.root = h('span', { class: 'opik-slot' }, this.button, this.chip);
  }

  update(traceId: string | null, opik: OpikLinkState | null | undefined): void {
    this.traceId = traceId;
    const state = traceId ? (opik?.state ?? 'off') : 'off';
    this.button.classList.toggle('hidden', state !== 'sent');
    this.button.title = opik?.url ? `Open this ${this.what} in Opik (${opik.url})` : `Open this ${this.what} in Opik`;
    const chipState = state === 'pending' || state === 'failed' ? state : null;
    this.chip.classList.toggle('hidden', !chipState);
    this.root.classList.toggle('hidden', state === 'off');
    if (!chipState) {
      this.chip.removeAttribute('data-state');
      return;
    }
    const label = stateLabels[chipState];
    const lastError = opik?.lastError?.trim() || null;
    const detail =
      chipState === 'pending'
        ? lastError
          ? `${label.tip}; the last attempt failed, retrying: ${lastError}`
          : `${label.tip}; it is sent in the background.`
        : `${label.tip}: ${lastError ?? 'unknown error'}`;
    this.chip.dataset.state = chipState;
    this.chip.title = detail;
    this.chipIcon.className = `codicon codicon-${label.icon}`;
    this.chipIcon.setAttribute('aria-hidden', 'true');
    this.chipText.textContent = label.text;
    this.chipDetail.textContent = `. ${detail}`;
  }
}
