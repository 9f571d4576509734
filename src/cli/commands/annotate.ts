import type { AnnotationChange } from '../../shared/annotation';
import { annotationLine, cleanLabel, NOTE_MAX_CHARS, ratingScore } from '../../shared/annotation';
import type { RatingInput } from '../../shared/annotation';
import { checkFlags, intFlag, parseArgs, UsageError } from '../args';
import { EXIT, openStore, print, storeDir } from '../common';
import { exportAfterRun, opikRequested } from '../opik';

export const ANNOTATE_USAGE = `codi traces annotate <id> [--label L]... [--note TEXT] [--reviewed | --queue | --unqueue] [--clear-labels] [--opik] [--json]
  codi traces rate <id> --thumbs up|down | --stars N [--opik] [--json]`;

/** Pulls every `--name value` / `--name=value` out of argv (parseArgs keeps only the last of a repeated flag). */
function takeRepeated(argv: string[], name: string): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) {
      const v = argv[++i];
      if (v === undefined || v === '') throw new UsageError(`--${name} needs a value`);
      values.push(v);
    } else if (a.startsWith(`--${name}=`)) {
      values.push(a.slice(name.length + 3));
    } else {
      rest.push(a);
    }
  }
  return { values, rest };
}

/** Opens the store, resolves the id (or a unique prefix), runs `fn`, and queues the change for Opik when export is on. */
async function withTrace(id: string, opik: boolean, fn: (store: Awaited<ReturnType<typeof openStore>>, traceId: string) => Promise<void>): Promise<number> {
  const store = await openStore();
  try {
    const t = await store.get(id);
    if (!t) {
      process.stderr.write(`codi: no trace with id ${id} in ${storeDir()} (\`codi traces list\` shows the ids)\n`);
      return EXIT.usage;
    }
    await fn(store, t.id);
    if (opik) await exportAfterRun(store, t.id, true, 'scores');
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** `codi traces annotate`: labels, a note and the review state, stored on the trace as the trace panel does. */
export async function annotate(argv: string[]): Promise<number> {
  const { values: labels, rest } = takeRepeated(argv, 'label');
  const args = parseArgs(rest, ['note']);
  checkFlags(args, ['note', 'reviewed', 'queue', 'unqueue', 'clear-labels', 'opik', 'json']);
  if (args.positionals.length !== 1) throw new UsageError('traces annotate needs one <id>');
  const review = ['reviewed', 'queue', 'unqueue'].filter((f) => args.flags.has(f));
  if (review.length > 1) throw new UsageError('use only one of --reviewed, --queue and --unqueue');
  for (const l of labels) if (cleanLabel(l) === null) throw new UsageError(`--label "${l}" must be 1 to 60 characters`);
  const note = args.flags.get('note');
  if (typeof note === 'string' && note.length > NOTE_MAX_CHARS) throw new UsageError(`--note is longer than ${NOTE_MAX_CHARS} characters`);
  const change: AnnotationChange = {};
  if (review[0]) change.review = review[0] === 'reviewed' ? 'reviewed' : review[0] === 'queue' ? 'queued' : null;
  if (typeof note === 'string') change.note = note;
  if (args.flags.has('clear-labels')) change.labels = labels;
  else if (labels.length) change.addLabels = labels;
  if (!Object.keys(change).length) throw new UsageError('traces annotate needs --label, --note, --reviewed, --queue, --unqueue or --clear-labels');
  return withTrace(args.positionals[0]!, opikRequested(args.flags.has('opik')), async (store, id) => {
    const a = await store.annotations().update(id, change);
    print(args.flags.has('json') ? JSON.stringify({ traceId: id, annotation: a }, null, 2) : `Annotated ${id}: ${annotationLine(a, 200) ?? 'no labels, note or review state'}`);
  });
}

function ratingOf(thumbs: string | true | undefined, stars: number | undefined): RatingInput {
  if ((thumbs === undefined) === (stars === undefined)) throw new UsageError('traces rate needs one of --thumbs up|down and --stars N');
  if (stars !== undefined) return { kind: 'stars', value: stars };
  if (thumbs !== 'up' && thumbs !== 'down') throw new UsageError('--thumbs must be up or down');
  return { kind: 'thumbs', value: thumbs === 'up' ? 1 : 0 };
}

/** `codi traces rate`: the same user score ("rating") the panels store; the latest rating counts. */
export async function rate(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['thumbs', 'stars']);
  checkFlags(args, ['thumbs', 'stars', 'opik', 'json']);
  if (args.positionals.length !== 1) throw new UsageError('traces rate needs one <id>');
  const rating = ratingOf(args.flags.get('thumbs'), intFlag(args, 'stars', 1, 5));
  return withTrace(args.positionals[0]!, opikRequested(args.flags.has('opik')), async (store, id) => {
    const score = ratingScore(rating);
    await store.addScores(id, [score]);
    const shown = rating.kind === 'thumbs' ? `thumbs ${rating.value ? 'up' : 'down'}` : `${rating.value} star${rating.value > 1 ? 's' : ''}`;
    print(args.flags.has('json') ? JSON.stringify({ traceId: id, rating, score }, null, 2) : `Rated ${id}: ${shown}`);
  });
}
