/**
 * An experiment as Opik models it (the shape `opik.evaluate()` produces): a dataset, its items, an
 * experiment linked to the dataset by name, and one experiment item per case run linking a dataset item to
 * the case's trace. Pure: the sender delivers it (sender.ts `deliverExperiment`).
 *
 * Ids are what make a retry, or a re-run of the same dataset, write nothing twice (Opik upserts dataset
 * items and experiment items by id):
 *  - dataset item: derived from the case's content (id, pipeline, input, expectations), so the same case
 *    is the same item in every run, and an edited case is a new item;
 *  - experiment: the run id (a UUIDv7 made when the run started);
 *  - experiment item: derived from the run id and the case run's trace id, in the run's time;
 *  - dataset: derived from its name (Opik keys datasets by name; on a 409 the sender looks the id up).
 * Opik requires UUIDv7 ids, so a derived id is "v7-shaped": version 7 and the RFC 9562 variant, its
 * 48-bit time field taken from a given time (the run's) or, for content ids, from the hash itself.
 */
import { createHash } from 'node:crypto';
import type { EvalCase } from '../eval/dataset';
import type { Experiment } from '../eval/experiment';
import type { Redactor } from '../redact/redact';
import { fitForOpik } from './limits';
import type { JsonObject } from './payload';

type Json = JsonObject;

export interface OpikDatasetWrite {
  id: string;
  name: string;
  description: string;
}

export interface OpikDatasetItemWrite {
  id: string;
  source: 'sdk';
  data: Json;
}

export interface OpikExperimentWrite {
  id: string;
  dataset_name: string;
  name: string;
  project_name: string;
  metadata: Json;
  tags: string[];
}

export interface OpikExperimentItemWrite {
  id: string;
  experiment_id: string;
  dataset_item_id: string;
  trace_id: string;
  project_name: string;
}

export interface OpikExperimentBundle {
  dataset: OpikDatasetWrite;
  items: OpikDatasetItemWrite[];
  experiment: OpikExperimentWrite;
  experimentItems: OpikExperimentItemWrite[];
}

/** What the worker loads to export one experiment: the stored run and the cases it ran. */
export interface ExperimentExport {
  experiment: Experiment;
  /** The dataset's cases as they were run (input and expectations); items are made from them. */
  cases: readonly EvalCase[];
}

/** JSON with object keys sorted, so equal content hashes equally whatever the key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Json;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * A deterministic UUID with the version-7 layout: the same `seed` always gives the same id. With `timeMs`
 * the time field holds it (ids sort with the run they belong to); without, the hash's own first 48 bits.
 */
export function stableUuidV7(seed: string, timeMs?: number): string {
  const b = createHash('sha256').update(seed).digest().subarray(0, 16);
  if (timeMs !== undefined) b.writeUIntBE(Math.max(0, Math.floor(timeMs)) % 2 ** 48, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The time in a UUIDv7 (its first 48 bits). */
const uuidTime = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

/** The stable id of a dataset item: from the case's content only. */
export function datasetItemId(c: Pick<EvalCase, 'id' | 'pipeline' | 'input' | 'expect'>): string {
  return stableUuidV7(`codi-dataset-item\n${canonical({ id: c.id, pipeline: c.pipeline, input: c.input, expect: c.expect })}`);
}

export function datasetId(name: string): string {
  return stableUuidV7(`codi-dataset\n${name}`);
}

export function experimentItemId(runId: string, traceId: string): string {
  return stableUuidV7(`codi-experiment-item\n${runId}\n${traceId}`, uuidTime(runId));
}

/** The dataset, its items, the experiment and its items; every string redacted, long texts cut as for traces. */
export function experimentToOpik(x: ExperimentExport, projectName: string, redactor: Redactor): OpikExperimentBundle {
  const e = x.experiment;
  const r = redactor;
  const datasetName = r.text(e.dataset.name);
  const byCase = new Map(x.cases.map((c) => [c.id, c]));
  const items: OpikDatasetItemWrite[] = [];
  const itemOf = new Map<string, string>();
  for (const c of x.cases) {
    const id = datasetItemId(c);
    itemOf.set(c.id, id);
    // Through JSON: the input and expectations are plain data; undefined fields go.
    const plain = JSON.parse(JSON.stringify({ case_id: c.id, pipeline: c.pipeline, input: c.input, expect: c.expect })) as Json;
    const data = fitForOpik(r.value(plain)).value;
    items.push({ id, source: 'sdk', data });
  }
  const experimentItems: OpikExperimentItemWrite[] = [];
  for (const c of e.cases) {
    const item = itemOf.get(c.id);
    if (!item || !byCase.has(c.id)) continue;
    for (const traceId of c.repeats?.map((run) => run.traceId) ?? [c.traceId]) {
      experimentItems.push({ id: experimentItemId(e.runId, traceId), experiment_id: e.runId, dataset_item_id: item, trace_id: traceId, project_name: projectName });
    }
  }
  return {
    dataset: { id: datasetId(datasetName), name: datasetName, description: r.text(`CODI dataset ${e.dataset.name} (${x.cases.length} cases)`) },
    items,
    experiment: {
      id: e.runId,
      dataset_name: datasetName,
      name: r.text(e.name),
      project_name: projectName,
      metadata: r.value<Json>({
        models: { model: e.models.model, judge_model: e.models.judgeModel },
        prompt_versions: e.prompts,
        pipeline: e.pipeline,
        dataset_hash: e.dataset.hash,
        codi_version: e.codiVersion,
        status: e.status,
        repeat: e.repeat,
        pass_rate: e.passRate,
        passed: e.passed,
        failed: e.failed,
        mean_score: e.meanScore,
        cost_usd: e.costUsd,
        latency_ms: e.latencyMs,
        started_at: new Date(e.startedAt).toISOString(),
      }),
      tags: ['codi', `pipeline:${e.pipeline}`],
    },
    experimentItems,
  };
}
