import { checkStore } from '../../core/store/check';
import type { CheckReport } from '../../core/store/check';
import { checkFlags, parseArgs, UsageError } from '../args';
import { EXIT, openStore, print } from '../common';
import { fmtInt } from '../format';
import { storeFaultOf } from '../storeAccess';

export const STORE_USAGE = `codi store check [--json]
  codi store compact [--json]`;

function checkText(r: CheckReport, dir: string, issues: readonly { message: string }[]): string {
  const out = [`Trace store ${dir}: ${fmtInt(r.segments)} segment(s), ${fmtInt(r.records)} readable record(s), ${fmtInt(r.bytes)} bytes.`];
  if (!r.findings.length && !issues.length) return [...out, 'No damage found.'].join('\n');
  for (const f of r.findings) out.push(`  ${f.kind.padEnd(16)} ${f.path}${f.offset !== undefined ? `:${f.offset}` : ''}${f.bytes !== undefined ? ` (${fmtInt(f.bytes)} bytes)` : ''}  ${f.detail}`);
  for (const i of issues) out.push(`  reported         ${i.message}`);
  out.push('', 'Damaged records cannot be recovered; the rest of the store is fine. `codi store compact` rewrites the readable records', 'and moves segments with damage to journal/damaged/ (kept for diagnosis; delete them when you no longer need them).');
  return out.join('\n');
}

/** `codi store check`: lists what cannot be read; exit 6 when something was found. */
async function check(rest: string[]): Promise<number> {
  const args = parseArgs(rest, []);
  checkFlags(args, ['json']);
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const store = await openStore();
  let report: CheckReport;
  try {
    report = await checkStore(store.dir).catch((e: unknown) => Promise.reject(storeFaultOf(e, store.dir, 'read')));
  } finally {
    await store.close();
  }
  // Damage the check finds again is listed once; what only the open saw (a rebuilt index…) is added.
  const issues = store.issues.filter((i) => !report.findings.some((f) => i.segment !== undefined && f.path.endsWith(i.segment)));
  const damaged = report.findings.some((f) => f.kind !== 'stale-temporary') || issues.length > 0;
  if (args.flags.has('json')) print(JSON.stringify({ dir: store.dir, ...report, issues }, null, 2));
  else print(checkText(report, store.dir, issues));
  return damaged ? EXIT.store : EXIT.ok;
}

/** Compacts now (also merges the small segments the CLI leaves, one per run). */
async function compactCmd(rest: string[]): Promise<number> {
  const args = parseArgs(rest, []);
  checkFlags(args, ['json']);
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const store = await openStore();
  try {
    const r = await store.compact({ force: true }).catch((e: unknown) => Promise.reject(storeFaultOf(e, store.dir, 'compact')));
    if (args.flags.has('json')) print(JSON.stringify(r ?? { ran: false, reason: 'another process is compacting' }, null, 2));
    else if (!r) print('Another process is compacting the store right now; nothing to do.');
    else if (!r.ran) print(`Nothing to compact (${r.reason}).`);
    else print(`Compacted ${r.segmentsIn} segment(s): ${fmtInt(r.bytesIn)} → ${fmtInt(r.bytesOut)} bytes, ${fmtInt(r.records)} record(s) kept, ${fmtInt(r.removed)} removed${r.quarantined.length ? `, ${r.quarantined.length} damaged segment(s) moved to journal/damaged/` : ''}.`);
  } finally {
    await store.close();
  }
  return EXIT.ok;
}

export function cmdStore(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'check') return check(rest);
  if (sub === 'compact') return compactCmd(rest);
  throw new UsageError(sub ? `unknown store command "${sub}"` : 'store needs a command: check or compact');
}
