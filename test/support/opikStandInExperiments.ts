/**
 * The datasets and experiments part of the Opik stand-in (opikStandIn.ts routes these to it), answering as
 * Opik's REST API does (OpenAPI: comet-ml/opik sdks/code_generation/fern/openapi/openapi.yaml):
 *
 *   POST /v1/private/datasets          {id?, name, description?}      → 201; 409 when the name (or id) exists
 *   POST /v1/private/datasets/retrieve {dataset_name}                 → 200 Dataset | 404
 *   PUT  /v1/private/datasets/items    {dataset_name | dataset_id, items:[{id?, source, data}]} → 204 (upsert by id)
 *   POST /v1/private/experiments       {id?, dataset_name, name?, metadata?, …} → 201; 409 when the id exists
 *   POST /v1/private/experiments/items {experiment_items:[{id?, experiment_id, dataset_item_id, trace_id}]} → 204 (upsert by id)
 *
 * Ids must be UUIDv7 (400, as Opik); schema problems answer 422 `{errors:[…]}`. Stricter than Opik in one
 * way, on purpose: items of a dataset or an experiment that does not exist are refused (404), so a client
 * that sends parts out of order is caught. Every write is counted per id (`writes`), so a duplicate shows.
 */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

export const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
type Row = Record<string, unknown>;

/** A sentinel: the request is not for this part of the API. */
export const NOT_MINE = Symbol('not mine');

export class OpikExperimentsApi {
  /** By dataset name. */
  readonly datasets = new Map<string, Row>();
  /** By item id. */
  readonly datasetItems = new Map<string, Row>();
  readonly experiments = new Map<string, Row>();
  readonly experimentItems = new Map<string, Row>();
  readonly writes = { datasetItems: new Map<string, number>(), experimentItems: new Map<string, number>(), datasets: new Map<string, number>(), experiments: new Map<string, number>() };

  /** Ids (names for datasets) written more than once. */
  duplicates(): { datasets: string[]; datasetItems: string[]; experiments: string[]; experimentItems: string[] } {
    const dup = (m: Map<string, number>): string[] => [...m].filter(([, n]) => n > 1).map(([id]) => id);
    return { datasets: dup(this.writes.datasets), datasetItems: dup(this.writes.datasetItems), experiments: dup(this.writes.experiments), experimentItems: dup(this.writes.experimentItems) };
  }

  route(method: string, path: string, b: Record<string, unknown>): unknown {
    if (method === 'POST' && path === '/v1/private/datasets') return this.createDataset(b);
    if (method === 'POST' && path === '/v1/private/datasets/retrieve') {
      const d = typeof b.dataset_name === 'string' ? this.datasets.get(b.dataset_name) : undefined;
      if (!d) throw new HttpError(404, { errors: ['Dataset not found'] });
      return d;
    }
    if (method === 'PUT' && path === '/v1/private/datasets/items') return this.upsertItems(b);
    if (method === 'POST' && path === '/v1/private/experiments') return this.createExperiment(b);
    if (method === 'POST' && path === '/v1/private/experiments/items') return this.createExperimentItems(b);
    return NOT_MINE;
  }

  private id(v: unknown, where: string, errors: string[]): string | null {
    if (v === undefined) return null;
    if (typeof v !== 'string') {
      errors.push(`${where} must be a UUID`);
      return null;
    }
    if (!V7.test(v)) throw new HttpError(400, { code: 400, message: 'Invalid UUID for id', details: `${where} must be a version 7 UUID` });
    return v;
  }

  private createDataset(b: Row): undefined {
    const errors: string[] = [];
    const id = this.id(b.id, 'id', errors);
    if (typeof b.name !== 'string' || !b.name.trim()) errors.push('name must not be blank');
    if (b.description !== undefined && typeof b.description !== 'string') errors.push('description must be a string');
    if (errors.length) throw new HttpError(422, { errors });
    const name = b.name as string;
    if (this.datasets.has(name) || (id && [...this.datasets.values()].some((d) => d.id === id))) throw new HttpError(409, { errors: ['Dataset already exists'] });
    this.datasets.set(name, { id: id ?? `0190f000-0000-7000-8000-${String(this.datasets.size + 1).padStart(12, '0')}`, name, description: b.description, created_at: new Date().toISOString() });
    this.writes.datasets.set(name, (this.writes.datasets.get(name) ?? 0) + 1);
    return undefined;
  }

  private upsertItems(b: Row): undefined {
    const dataset = typeof b.dataset_name === 'string' ? this.datasets.get(b.dataset_name) : [...this.datasets.values()].find((d) => d.id === b.dataset_id);
    if (b.dataset_name === undefined && b.dataset_id === undefined) throw new HttpError(422, { errors: ['dataset_name or dataset_id must be provided'] });
    const items = b.items;
    if (!Array.isArray(items) || items.length < 1 || items.length > 1000) throw new HttpError(422, { errors: ['items size must be between 1 and 1000'] });
    const errors: string[] = [];
    items.forEach((x: unknown, i) => {
      const where = `items[${i}]`;
      if (!isObj(x)) return void errors.push(`${where} must be an object`);
      this.id(x.id, `${where}.id`, errors);
      if (!['manual', 'trace', 'span', 'sdk'].includes(String(x.source))) errors.push(`${where}.source must be one of manual, trace, span, sdk`);
      if (!isObj(x.data)) errors.push(`${where}.data must not be null`);
    });
    if (errors.length) throw new HttpError(422, { errors });
    if (!dataset) throw new HttpError(404, { errors: ['Dataset not found'] });
    for (const x of items as Row[]) {
      const id = (x.id as string | undefined) ?? `generated-${this.datasetItems.size + 1}`;
      this.datasetItems.set(id, { ...x, dataset_id: dataset.id });
      this.writes.datasetItems.set(id, (this.writes.datasetItems.get(id) ?? 0) + 1);
    }
    return undefined;
  }

  private createExperiment(b: Row): undefined {
    const errors: string[] = [];
    const id = this.id(b.id, 'id', errors);
    if (typeof b.dataset_name !== 'string' || !b.dataset_name.trim()) errors.push('datasetName must not be blank');
    if (b.name !== undefined && typeof b.name !== 'string') errors.push('name must be a string');
    if (b.metadata !== undefined && !isObj(b.metadata)) errors.push('metadata must be an object');
    if (errors.length) throw new HttpError(422, { errors });
    if (!this.datasets.has(b.dataset_name as string)) throw new HttpError(404, { errors: ['Dataset not found'] });
    const key = id ?? `generated-${this.experiments.size + 1}`;
    if (this.experiments.has(key)) throw new HttpError(409, { errors: ['Experiment already exists'] });
    this.experiments.set(key, { ...b, id: key, dataset_id: this.datasets.get(b.dataset_name as string)!.id });
    this.writes.experiments.set(key, (this.writes.experiments.get(key) ?? 0) + 1);
    return undefined;
  }

  private createExperimentItems(b: Row): undefined {
    const items = b.experiment_items;
    if (!Array.isArray(items) || items.length < 1 || items.length > 1000) throw new HttpError(422, { errors: ['experimentItems size must be between 1 and 1000'] });
    const errors: string[] = [];
    items.forEach((x: unknown, i) => {
      const where = `experimentItems[${i}]`;
      if (!isObj(x)) return void errors.push(`${where} must be an object`);
      this.id(x.id, `${where}.id`, errors);
      for (const f of ['experiment_id', 'dataset_item_id', 'trace_id']) if (this.id(x[f], `${where}.${f}`, errors) === null) errors.push(`${where}.${f} must not be null`);
    });
    if (errors.length) throw new HttpError(422, { errors });
    for (const x of items as Row[]) if (!this.experiments.has(x.experiment_id as string)) throw new HttpError(404, { errors: [`Experiment not found: ${String(x.experiment_id)}`] });
    for (const x of items as Row[]) {
      const id = (x.id as string | undefined) ?? `generated-${this.experimentItems.size + 1}`;
      this.experimentItems.set(id, x);
      this.writes.experimentItems.set(id, (this.writes.experimentItems.get(id) ?? 0) + 1);
    }
    return undefined;
  }
}
