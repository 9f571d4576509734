/** `codi traces export` and `codi traces import`: JSONL (lossless, re-importable) and OTLP JSON. */
import { createReadStream, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { describeImport, exportTraces, importTraces, jsonlText } from '../../core/export/jsonl';
import { otlpJson } from '../../core/export/otlp';
import { CodiError } from '../../core/errors';
import { defaultRedactor } from '../../core/redact/redact';
import { checkFlags, intFlag, parseArgs, UsageError } from '../args';
import { EXIT, openStore, print, VERSION } from '../common';
import { FILTER_FLAGS, filterOf } from './traces';

type Format = 'jsonl' | 'otlp';

/** Writes to stdout honouring backpressure (a slow pipe must not buffer the whole export). */
function stdoutWrite(s: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.stdout.write(s, (e) => (e ? reject(e) : undefined))) resolve();
    else process.stdout.once('drain', resolve);
  });
}

/**
 * `--format jsonl` (default): one CODI trace per line with its prompt versions. `--format otlp`: one OTLP
 * ExportTraceServiceRequest per line (one trace each), the OpenTelemetry file-exporter layout that
 * collectors' otlpjsonfile receiver and most backends' importers read; secrets are redacted.
 * With --out the file appears only when complete (written beside it, then renamed).
 */
export async function exportCmd(rest: string[]): Promise<number> {
  const args = parseArgs(rest, ['limit', 'format', 'out', ...FILTER_FLAGS]);
  checkFlags(args, ['limit', 'format', 'out', 'errors', ...FILTER_FLAGS]);
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const format = (args.flags.get('format') ?? 'jsonl') as Format;
  if (format !== 'jsonl' && format !== 'otlp') throw new UsageError('--format must be jsonl or otlp');
  const out = args.flags.get('out');
  if (out === true) throw new UsageError('--out needs a file name');
  const limit = intFlag(args, 'limit', 1, Number.MAX_SAFE_INTEGER);
  const filter = filterOf(args);
  const tmp = out ? join(dirname(out), `.${basename(out)}.${process.pid}.tmp`) : null;
  const file = tmp
    ? await fs.open(tmp, 'w').catch((e: unknown) => {
        throw new CodiError('bad-input', `Cannot write ${out}: ${(e as { code?: string }).code ?? String(e)}. Check that its folder exists and is writable.`);
      })
    : null;
  const store = await openStore().catch(async (e: unknown) => {
    if (file && tmp) await file.close().then(() => fs.rm(tmp, { force: true }));
    throw e;
  });
  let n = 0;
  try {
    const write = file ? async (s: string) => void (await file.write(s)) : stdoutWrite;
    const opts = { redactor: defaultRedactor, version: VERSION, client: 'cli' };
    for await (const line of exportTraces(store, filter, { limit })) {
      await write(`${format === 'jsonl' ? jsonlText(line) : Buffer.from(otlpJson([line.trace], opts)).toString('utf8')}\n`);
      n += 1;
    }
    if (file && tmp && out) {
      await file.sync();
      await file.close();
      await fs.rename(tmp, out);
    }
  } catch (e) {
    if (file && tmp) {
      await file.close().catch(() => undefined);
      await fs.rm(tmp, { force: true });
    }
    throw e;
  } finally {
    await store.close();
  }
  if (out) print(`Exported ${n} trace(s) as ${format === 'jsonl' ? 'JSONL' : 'OTLP JSON'} to ${out}.`);
  return EXIT.ok;
}

/** Imports a JSONL export (`-` reads stdin). Exit 0 when every line was good, 2 when some were bad (the good ones are imported). */
export async function importCmd(rest: string[]): Promise<number> {
  const args = parseArgs(rest, []);
  checkFlags(args, ['json']);
  if (args.positionals.length !== 1) throw new UsageError('traces import needs one FILE (a JSONL export; - for stdin)');
  const path = args.positionals[0]!;
  if (path !== '-') {
    const st = await fs.stat(path).catch(() => null);
    if (!st?.isFile()) throw new UsageError(`${path} is not a file: give the JSONL written by \`codi traces export\``);
  }
  const input = path === '-' ? process.stdin : createReadStream(path, { encoding: 'utf8' });
  const store = await openStore();
  let result;
  try {
    result = await importTraces(store, createInterface({ input, crlfDelay: Infinity }));
  } finally {
    await store.close();
  }
  print(args.flags.has('json') ? JSON.stringify(result, null, 2) : `${describeImport(result, 20)}.`);
  return result.bad.length ? EXIT.usage : EXIT.ok;
}
