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

export interface ExperimentLinkInput {
  apiUrl: string;
  workspace: string;
  /** The Opik id of the experiment's dataset. */
  datasetId: string;
  experimentId: string;
}

/** Opik's experiment page: `{uiBase}/{workspace}/experiments/{datasetId}/compare?experiments=["{experimentId}"]`. */
export function opikExperimentUrl(l: ExperimentLinkInput): string {
  const base = opikUiBase(l.apiUrl);
  return `${base}/${encodeURIComponent(l.workspace)}/experiments/${encodeURIComponent(l.datasetId)}/compare?experiments=${encodeURIComponent(JSON.stringify([l.experimentId]))}`;
}
