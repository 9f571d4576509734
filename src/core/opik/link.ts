/**
 * Links from CODI into Opik's UI. The UI is served at the API URL without its trailing `/api`
 * (cloud: https://www.comet.com/opik/api → https://www.comet.com/opik; self-hosted:
 * http://localhost:5173/api → http://localhost:5173).
 */

export function opikUiBase(apiUrl: string): string {
  return apiUrl.trim().replace(/\/+$/, '').replace(/\/api$/, '');
}

export interface TraceLinkInput {
  apiUrl: string;
  workspace: string;
  /** From `POST /v1/private/projects/retrieve`. */
  projectId: string;
  traceId: string;
}

/** `{uiBase}/{workspace}/projects/{projectId}/traces?tab=logs&logsType=traces&trace={traceId}` */
export function opikTraceUrl(l: TraceLinkInput): string {
  const base = opikUiBase(l.apiUrl);
  const ws = encodeURIComponent(l.workspace);
  const project = encodeURIComponent(l.projectId);
  return `${base}/${ws}/projects/${project}/traces?tab=logs&logsType=traces&trace=${encodeURIComponent(l.traceId)}`;
}
