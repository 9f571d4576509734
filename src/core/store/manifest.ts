import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import type { TraceRecord } from '../../shared/types';
import { syncDir } from './journal';
import { SegmentBuilder } from './segmentBuilder';
import { encodeTrace } from './summary';

/**
 * The store's version and its forward migrations.
 *
 * `store.json` names the on-disk format version. A store written by a newer CODI is refused before
 * anything is created, renamed or locked, so it is left byte for byte as it was. Older stores are
 * migrated forward one step at a time, under the store lock, and the manifest is rewritten after each
 * step. Version 1 is the walking skeleton's single `traces.sqlite` file (no manifest).
 */
export const STORE_VERSION = 2;
export const MANIFEST_FILE = 'store.json';
export const LEGACY_FILE = 'traces.sqlite';
export const JOURNAL_DIR = 'journal';

export interface Manifest {
  format: 'codi-trace-store';
  version: number;
  created: string;
  migratedFrom?: number;
}

export class StoreVersionError extends Error {
  constructor(dir: string, found: number) {
    super(`The trace store at ${dir} was written by a newer CODI (store version ${found}; this version reads up to ${STORE_VERSION}). Update CODI to open it; the store was not changed.`);
    this.name = 'StoreVersionError';
  }
}

export async function readManifest(dir: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await fs.readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(text) as Partial<Manifest>;
  } catch {
    throw new Error(`The trace store manifest ${join(dir, MANIFEST_FILE)} is not valid JSON. It was left as it is; restore it or move the folder away.`);
  }
  if (m.format !== 'codi-trace-store' || typeof m.version !== 'number') throw new Error(`${join(dir, MANIFEST_FILE)} is not a CODI trace store manifest; the folder was left as it is.`);
  return m as Manifest;
}

export async function writeManifest(dir: string, m: Manifest): Promise<void> {
  const file = join(dir, MANIFEST_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await fs.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(m, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
  await syncDir(dir);
}

/**
 * The walking skeleton's store, if there is one: its version and (unless `versionOnly`) its traces.
 * Read, never modified. Throws StoreVersionError for a file written by a newer version.
 */
export async function readLegacy(SQL: SqlJsStatic, dir: string, versionOnly = false): Promise<{ version: number; traces: TraceRecord[] } | null> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(join(dir, LEGACY_FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const db = new SQL.Database(bytes);
  try {
    let version = 0;
    try {
      const row = db.exec("SELECT value FROM meta WHERE key = 'schema_version'");
      version = row[0] ? Number(row[0].values[0]![0]) : 0;
    } catch {
      version = 0;
    }
    if (version > 1) throw new StoreVersionError(dir, version);
    if (versionOnly) return { version: 1, traces: [] };
    const rows = db.exec('SELECT record FROM traces')[0]?.values ?? [];
    return { version: 1, traces: rows.map(([r]) => JSON.parse(String(r)) as TraceRecord) };
  } finally {
    db.close();
  }
}

export interface MigrationContext {
  dir: string;
  SQL: SqlJsStatic;
  log(message: string): void;
}

interface Migration {
  from: number;
  to: number;
  run(ctx: MigrationContext): Promise<void>;
}

/**
 * Version 1 → 2: the skeleton's traces.sqlite becomes one sealed journal segment; the old file is kept
 * beside it (renamed), never deleted. Idempotent: a crash half way repeats it, and the index keeps one
 * row per trace id.
 */
async function importLegacy(ctx: MigrationContext): Promise<void> {
  const legacy = await readLegacy(ctx.SQL, ctx.dir);
  if (!legacy) return;
  const journal = join(ctx.dir, JOURNAL_DIR);
  await fs.mkdir(journal, { recursive: true, mode: 0o700 });
  const b = await SegmentBuilder.create(journal, 'migration', STORE_VERSION);
  try {
    const at = Date.now();
    for (const trace of legacy.traces) await b.add(encodeTrace(at, trace).frame);
    await b.commit();
  } catch (e) {
    await b.abort();
    throw e;
  }
  const backup = `${LEGACY_FILE}.v1-${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
  await fs.rename(join(ctx.dir, LEGACY_FILE), join(ctx.dir, backup));
  await syncDir(ctx.dir);
  ctx.log(`Migrated ${legacy.traces.length} traces from the previous store format; the old file is kept as ${backup}.`);
}

/** Forward migrations, in order. A future version N+1 adds {from: N, to: N+1, run}. */
const MIGRATIONS: Migration[] = [{ from: 1, to: 2, run: importLegacy }];

/** Brings the store in `ctx.dir` to STORE_VERSION. Call under the store lock. */
export async function migrate(ctx: MigrationContext): Promise<void> {
  const manifest = await readManifest(ctx.dir);
  if (manifest && manifest.version > STORE_VERSION) throw new StoreVersionError(ctx.dir, manifest.version);
  const hasLegacy = await fs.stat(join(ctx.dir, LEGACY_FILE)).then(
    () => true,
    () => false,
  );
  let version = manifest?.version ?? (hasLegacy ? 1 : STORE_VERSION);
  for (const m of MIGRATIONS) {
    if (m.from !== version) continue;
    await m.run(ctx);
    version = m.to;
    await writeManifest(ctx.dir, { format: 'codi-trace-store', version, created: manifest?.created ?? new Date().toISOString(), migratedFrom: manifest?.version ?? 1 });
  }
  // An old CODI window still running may write traces.sqlite again after the migration: import it too.
  if (manifest && hasLegacy && version === STORE_VERSION) await importLegacy(ctx);
  if (!(await readManifest(ctx.dir))) await writeManifest(ctx.dir, { format: 'codi-trace-store', version: STORE_VERSION, created: new Date().toISOString() });
}

/**
 * Readies a store folder: the version gate first (a newer store is refused before anything is created,
 * renamed or locked), then the migration of an older store under the store's lock, then the journal folder.
 */
export async function prepareStoreDir(SQL: SqlJsStatic, dir: string, log: (message: string) => void, underLock: (fn: () => Promise<void>) => Promise<unknown>): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 }); // it holds code and answers: the user's only
  // Version gate first: a newer store is refused before anything is created, renamed or locked.
  const manifest = await readManifest(dir);
  if (manifest && manifest.version > STORE_VERSION) throw new StoreVersionError(dir, manifest.version);
  const legacy = await fs.stat(join(dir, LEGACY_FILE)).then(
    () => true,
    () => false,
  );
  if (legacy) await readLegacy(SQL, dir, true); // throws StoreVersionError for a newer skeleton file
  if (!manifest || manifest.version < STORE_VERSION || legacy) await underLock(() => migrate({ dir, SQL, log }));
  await fs.mkdir(join(dir, JOURNAL_DIR), { recursive: true, mode: 0o700 });
}
