/**
 * Stored experiments: one JSON file per run in `<store>/experiments/` (written to a temporary file and
 * renamed, so a reader never sees half a file and concurrent runs never clash). A damaged file is skipped and
 * reported, never fatal. Beside each run, `<runId>.cases` keeps the cases it ran (input and expectations, as
 * read from the dataset then), which the Opik export turns into dataset items even after the dataset changed.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CodiError } from '../errors';
import type { EvalCase } from './dataset';
import type { Experiment } from './experiment';

export interface ExperimentSummary {
  runId: string;
  name: string;
  dataset: string;
  startedAt: number;
  passRate: number;
  cases: number;
  status: Experiment['status'];
}

export class ExperimentStore {
  readonly dir: string;
  /** Files that could not be read by the last `all()`. */
  damaged: string[] = [];

  constructor(storeDir: string) {
    this.dir = join(storeDir, 'experiments');
  }

  /** Stores a run; with `cases`, also the cases it ran (written first, so a stored run always has them). */
  async save(e: Experiment, cases?: readonly EvalCase[]): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (cases) await this.write(join(this.dir, `${e.runId}.cases`), JSON.stringify(cases));
    await this.write(join(this.dir, `${e.runId}.json`), JSON.stringify(e));
  }

  private async write(file: string, text: string): Promise<void> {
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, text, { mode: 0o600 });
    await fs.rename(tmp, file);
  }

  /** A run (exact id) with the cases it ran, for the Opik export; null when either is missing or unreadable. */
  async withCases(runId: string): Promise<{ experiment: Experiment; cases: EvalCase[] } | null> {
    try {
      const experiment = JSON.parse(await fs.readFile(join(this.dir, `${runId}.json`), 'utf8')) as Experiment;
      const cases = JSON.parse(await fs.readFile(join(this.dir, `${runId}.cases`), 'utf8')) as EvalCase[];
      return experiment.runId === runId && Array.isArray(cases) ? { experiment, cases } : null;
    } catch {
      return null;
    }
  }

  /** Every stored experiment, newest first. */
  async all(): Promise<Experiment[]> {
    let names: string[];
    try {
      names = (await fs.readdir(this.dir)).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    this.damaged = [];
    const out: Experiment[] = [];
    for (const n of names) {
      try {
        const e = JSON.parse(await fs.readFile(join(this.dir, n), 'utf8')) as Experiment;
        if (typeof e.runId === 'string' && Array.isArray(e.cases)) out.push(e);
        else this.damaged.push(n);
      } catch {
        this.damaged.push(n);
      }
    }
    return out.sort((a, b) => b.startedAt - a.startedAt || b.runId.localeCompare(a.runId));
  }

  async list(): Promise<ExperimentSummary[]> {
    return (await this.all()).map((e) => ({ runId: e.runId, name: e.name, dataset: e.dataset.name, startedAt: e.startedAt, passRate: e.passRate, cases: e.cases.length, status: e.status }));
  }

  /** By run id (or a unique prefix of it), else the newest run with that name; a bad-input error when none. */
  async get(ref: string): Promise<Experiment> {
    const all = await this.all();
    const byId = all.filter((e) => e.runId.startsWith(ref));
    if (byId.length === 1) return byId[0]!;
    if (byId.length > 1) throw new CodiError('bad-input', `"${ref}" matches ${byId.length} experiment runs; give more of the run id.`);
    const byName = all.find((e) => e.name === ref);
    if (byName) return byName;
    throw new CodiError('bad-input', `No experiment run "${ref}". List them with: codi eval list`);
  }

  /** The newest earlier run of the same dataset (for deltas), if any. */
  async previous(e: Experiment): Promise<Experiment | null> {
    return (await this.all()).find((x) => x.runId !== e.runId && x.dataset.name === e.dataset.name && x.startedAt <= e.startedAt) ?? null;
  }
}
