import { retag } from '../../core/store/tags';
import { checkFlags, parseArgs, UsageError } from '../args';
import { EXIT, openStore, print } from '../common';

export const TAG_USAGE = 'codi traces tag <id> [--add T[,T…]] [--remove T[,T…]] [--json]';

const listFlag = (v: string | true | undefined): string[] => (typeof v === 'string' ? v.split(',') : []);

/** `codi traces tag <id> --add flaky --remove review`: edits a trace's tags, prints them afterwards. */
export async function tag(rest: string[]): Promise<number> {
  const args = parseArgs(rest, ['add', 'remove']);
  checkFlags(args, ['add', 'remove', 'json']);
  if (args.positionals.length !== 1) throw new UsageError(`traces tag needs one <id>: ${TAG_USAGE}`);
  const add = listFlag(args.flags.get('add'));
  const remove = listFlag(args.flags.get('remove'));
  const store = await openStore();
  const r = await retag(store, args.positionals[0]!, { add, remove }).finally(() => store.close());
  print(args.flags.has('json') ? JSON.stringify(r, null, 2) : `${r.id}: ${r.tags.length ? r.tags.join(', ') : '(no tags)'}${r.changed ? '' : ' (unchanged)'}`);
  return EXIT.ok;
}
