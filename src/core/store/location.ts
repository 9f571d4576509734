/**
 * Where the trace store lives, decided in one place for the CLI and the extension so both read and write the
 * same traces: `CODI_HOME` (environment), else the machine-scoped setting `codi.storePath` (the extension
 * passes it; the CLI has no settings), else `~/.codi`. A leading `~` in the setting is the home folder.
 */
import { isAbsolute, join, resolve } from 'node:path';

export type StoreDirSource = 'env' | 'setting' | 'default';

export interface StoreLocation {
  dir: string;
  /** What chose it: `CODI_HOME`, `codi.storePath` or the default `~/.codi` (for messages and logs). */
  source: StoreDirSource;
}

export interface StoreLocationInputs {
  env: Readonly<Record<string, string | undefined>>;
  /** `codi.storePath` (the extension only); empty or blank means unset. */
  setting?: string | null;
  homedir: string;
}

/** The default store folder under a home folder. */
export const defaultStoreDir = (homedir: string): string => join(homedir, '.codi');

/** The store folder: `CODI_HOME`, else `codi.storePath`, else `~/.codi`; always absolute. */
export function resolveStoreDir({ env, setting, homedir }: StoreLocationInputs): StoreLocation {
  const fromEnv = env.CODI_HOME?.trim();
  if (fromEnv) return { dir: resolve(expandHome(fromEnv, homedir)), source: 'env' };
  const fromSetting = setting?.trim();
  if (fromSetting) {
    const p = expandHome(fromSetting, homedir);
    // A relative setting would depend on the window's working folder: anchor it at the home folder instead.
    return { dir: isAbsolute(p) ? resolve(p) : resolve(homedir, p), source: 'setting' };
  }
  return { dir: defaultStoreDir(homedir), source: 'default' };
}

function expandHome(p: string, homedir: string): string {
  if (p === '~') return homedir;
  if (p.startsWith('~/') || p.startsWith('~\\')) return join(homedir, p.slice(2));
  return p;
}
