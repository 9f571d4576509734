import { listPrompts } from '../../core/prompts/registry';
import type { PromptVersionInfo, StoredPromptVersion } from '../../core/store/traceStore';
import { checkFlags, parseArgs, UsageError } from '../args';
import { EXIT, openStore, print, storeDir } from '../common';

export const PROMPTS_USAGE = `codi prompts list [--json]
  codi prompts show <name>@<version> [--json]`;

const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

/** The versions this CODI ships (without settings overrides), to mark them in the list. */
function shippedVersions(): Set<string> {
  return new Set(listPrompts().map((p) => `${p.name}@${p.version}`));
}

function formatVersions(rows: Array<PromptVersionInfo & { shipped: boolean }>): string {
  if (!rows.length) return 'No prompt versions stored yet. They are recorded with the traces that use them (`codi explain <file>`).';
  const head = ['NAME', 'VERSION', 'FIRST SEEN (UTC)', ''];
  const body = rows.map((r) => [r.name, r.version, iso(r.createdAt), r.shipped ? 'shipped' : '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body].map((cols) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

function formatVersion(p: StoredPromptVersion): string {
  return [`${p.name}@${p.version}  first seen ${iso(p.createdAt)} UTC`, '', '── system ──', p.system, '', '── user ──', p.user].join('\n');
}

/** `codi prompts list|show`: the prompt versions the trace store keeps (each version's template once). */
export async function cmdPrompts(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, []);
  checkFlags(args, ['json']);
  const json = args.flags.has('json');
  if (sub === 'list') {
    if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const store = await openStore();
    let rows: PromptVersionInfo[];
    try {
      rows = store.listPromptVersions();
    } finally {
      await store.close();
    }
    const shipped = shippedVersions();
    const out = rows.map((r) => ({ ...r, shipped: shipped.has(`${r.name}@${r.version}`) }));
    print(json ? JSON.stringify(out, null, 2) : formatVersions(out));
    return EXIT.ok;
  }
  if (sub === 'show') {
    const spec = args.positionals[0] ?? '';
    const at = spec.lastIndexOf('@');
    if (args.positionals.length !== 1 || at <= 0 || at === spec.length - 1) throw new UsageError('prompts show needs one <name>@<version> (see `codi prompts list`)');
    const name = spec.slice(0, at);
    const version = spec.slice(at + 1);
    const store = await openStore();
    let p: StoredPromptVersion | null;
    try {
      p = await store.getPromptVersion(name, version);
    } finally {
      await store.close();
    }
    if (!p) {
      process.stderr.write(`codi: no prompt version ${name}@${version} in ${storeDir()}\n`);
      return EXIT.usage;
    }
    print(json ? JSON.stringify(p, null, 2) : formatVersion(p));
    return EXIT.ok;
  }
  throw new UsageError(sub ? `unknown prompts command "${sub}"` : 'prompts needs a command: list or show');
}
