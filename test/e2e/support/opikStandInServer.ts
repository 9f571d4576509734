/**
 * The Opik stand-in (test/support/opikStandIn.ts) for the end-to-end runs, where the code under test lives in
 * another process (VS Code's extension host): the stand-in plus a small control server on its own port, so
 * the tests can read what Opik received and switch Opik down and up (the stand-in's port closes when down,
 * the control port stays open).
 *
 *   GET  <control>/summary → OpikStandInSummary
 *   POST <control>/down    → Opik refuses connections until /up
 *   POST <control>/up
 *
 * scripts/e2eEnv.mjs (startOpikStandInProcess) runs it in a child Node for the extension-host suite; the
 * Playwright test starts it in-process.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpikStandInOptions, Stored } from '../../support/opikStandIn';
import { OpikStandIn } from '../../support/opikStandIn';

export interface OpikStandInSummary {
  /** The REST API base (`http://127.0.0.1:PORT/api`), what `codi.opik.url` is set to. */
  url: string;
  down: boolean;
  requests: Array<{ method: string; path: string; status: number; authorization: string | null; workspace: string | null }>;
  traces: Record<string, Stored>;
  spans: Record<string, Stored>;
  /** Keyed `<traceId>|<score name>`. */
  traceScores: Record<string, Stored>;
  /** Writes per id (per `<id>|<name>` for scores): more than one for a trace or span is a duplicate. */
  writes: { traces: Record<string, number>; spans: Record<string, number>; traceScores: Record<string, number> };
  duplicates: { traces: string[]; spans: string[] };
  projects: Array<{ id: string; name: string }>;
  unknownFields: string[];
  /** Datasets by name, dataset items and experiments by id, experiment items; and what was written twice. */
  experiments: {
    datasets: Record<string, Stored>;
    datasetItems: Record<string, Stored>;
    experiments: Record<string, Stored>;
    experimentItems: Stored[];
    duplicates: { datasets: string[]; experiments: string[]; experimentItems: string[] };
  };
}

export function summarize(s: OpikStandIn): OpikStandInSummary {
  const header = (v: string | string[] | undefined): string | null => (Array.isArray(v) ? v.join(',') : (v ?? null));
  return {
    url: s.url,
    down: s.isDown,
    requests: s.requests.map((r) => ({ method: r.method, path: r.path, status: r.status, authorization: header(r.headers.authorization), workspace: header(r.headers['comet-workspace']) })),
    traces: Object.fromEntries(s.traces),
    spans: Object.fromEntries(s.spans),
    traceScores: Object.fromEntries(s.traceScores),
    writes: { traces: Object.fromEntries(s.writes.traces), spans: Object.fromEntries(s.writes.spans), traceScores: Object.fromEntries(s.writes.traceScores) },
    duplicates: s.duplicates(),
    projects: [...s.projects.values()],
    unknownFields: [...new Set(s.unknownFields)],
    experiments: {
      datasets: Object.fromEntries(s.experiments.datasets),
      datasetItems: Object.fromEntries(s.experiments.datasetItems),
      experiments: Object.fromEntries(s.experiments.experiments),
      experimentItems: [...s.experiments.experimentItems.values()],
      duplicates: (({ datasets, experiments, experimentItems }) => ({ datasets, experiments, experimentItems }))(s.experiments.duplicates()),
    },
  };
}

export interface OpikStandInServer {
  standIn: OpikStandIn;
  /** The stand-in's API base URL (changes never: up() reopens the same port). */
  url: string;
  controlUrl: string;
  close(): Promise<void>;
}

export async function startOpikStandInServer(opts: OpikStandInOptions = {}): Promise<OpikStandInServer> {
  const standIn = await OpikStandIn.start(opts);
  const control = http.createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const route = `${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0]}`;
    req.resume();
    req.on('end', () => {
      const done = (p: Promise<void>): void => void p.then(() => reply(200, { down: standIn.isDown }), (e: unknown) => reply(500, { error: String(e) }));
      if (route === 'GET /summary') reply(200, summarize(standIn));
      else if (route === 'POST /down') done(standIn.down());
      else if (route === 'POST /up') done(standIn.up());
      else reply(404, { error: `unknown control route ${route}` });
    });
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  return {
    standIn,
    url: standIn.url,
    controlUrl,
    close: async () => {
      control.closeAllConnections();
      await new Promise<void>((resolve) => control.close(() => resolve()));
      await standIn.close();
    },
  };
}
