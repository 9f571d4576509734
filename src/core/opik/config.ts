/**
 * Opik export configuration: what the user set (settings + SecretStorage in the editor, OPIK_* in the CLI)
 * turned into one checked `OpikConfig`. No I/O, no SDK: the host and the CLI call this on the off path too.
 */

/** Opik cloud's REST API. The UI lives at the same address without `/api`. */
export const OPIK_CLOUD_API_URL = 'https://www.comet.com/opik/api';
export const DEFAULT_OPIK_PROJECT = 'CODI';
/** Self-hosted Opik's only workspace. */
export const DEFAULT_SELF_HOSTED_WORKSPACE = 'default';

export interface OpikConfig {
  /** Sent as `authorization: <key>` (no "Bearer"). Empty for a self-hosted Opik without auth. */
  apiKey: string;
  /** REST API base, no trailing slash, e.g. https://www.comet.com/opik/api or http://localhost:5173/api. */
  url: string;
  /** Sent as `Comet-Workspace`. */
  workspace: string;
  project: string;
}

/** Raw inputs; empty strings and nulls mean "not set". */
export interface OpikConfigInput {
  apiKey?: string | null;
  url?: string | null;
  workspace?: string | null;
  project?: string | null;
}

/** A configuration the user has to fix; the message says what to do. */
export class OpikConfigError extends Error {
  override readonly name = 'OpikConfigError';
}

function clean(v: string | null | undefined): string {
  return (v ?? '').trim();
}

export function isOpikCloud(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'comet.com' || host.endsWith('.comet.com');
  } catch {
    return false;
  }
}

/**
 * Normalises the API URL: trims, drops trailing slashes, and fixes the common mistake of pasting Opik
 * cloud's UI address (`…comet.com/opik`) by appending `/api`. Throws for anything that is not http(s).
 */
export function normalizeOpikUrl(raw: string): string {
  const s = clean(raw) || OPIK_CLOUD_API_URL;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new OpikConfigError(`codi.opik.url is not a valid URL: "${s}". Use ${OPIK_CLOUD_API_URL} or your self-hosted Opik's API URL (for example http://localhost:5173/api).`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new OpikConfigError(`codi.opik.url must be an http(s) URL, not "${s}".`);
  if (u.username || u.password) throw new OpikConfigError('codi.opik.url must not contain credentials; set the API key with "CODI: Set Opik API Key" instead.');
  let out = `${u.origin}${u.pathname}`.replace(/\/+$/, '');
  if (isOpikCloud(out) && /\/opik$/.test(out)) out += '/api';
  return out;
}

/**
 * Checks and completes a configuration. Opik cloud needs an API key and a workspace; a self-hosted Opik
 * works without a key and uses the `default` workspace. The project defaults to "CODI".
 */
export function resolveOpikConfig(input: OpikConfigInput): OpikConfig {
  const url = normalizeOpikUrl(clean(input.url));
  const cloud = isOpikCloud(url);
  const apiKey = clean(input.apiKey);
  let workspace = clean(input.workspace);
  if (cloud && !apiKey) throw new OpikConfigError('Opik cloud needs an API key: run "CODI: Set Opik API Key" (CLI: set OPIK_API_KEY).');
  if (!workspace) {
    if (cloud) throw new OpikConfigError('Opik cloud needs a workspace: set codi.opik.workspace (CLI: OPIK_WORKSPACE) to your Comet workspace name.');
    workspace = DEFAULT_SELF_HOSTED_WORKSPACE;
  }
  const project = clean(input.project) || DEFAULT_OPIK_PROJECT;
  return { apiKey, url, workspace, project };
}

/** The CLI's view: the same variables the Opik SDKs read. */
export function opikInputFromEnv(env: Readonly<Record<string, string | undefined>>): OpikConfigInput {
  return {
    apiKey: env.OPIK_API_KEY ?? null,
    url: env.OPIK_URL_OVERRIDE ?? null,
    workspace: env.OPIK_WORKSPACE ?? null,
    project: env.OPIK_PROJECT_NAME ?? null,
  };
}

/** CLI opt-in: `--opik` or `CODI_OPIK=1` (also "true"/"yes"). */
export function opikRequestedByEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  return /^(1|true|yes|on)$/i.test(clean(env.CODI_OPIK));
}
