/**
 * What a case expects of its run, and whether the run meets it. A case passes when every expectation holds.
 * Ranges are inclusive `[low, high]`; deterministic assertions need no judge.
 */
import type { PipelineKind, PipelineResults } from '../run/registry';

export interface Expectations {
  score?: [number, number];
  criteria?: Record<string, [number, number]>;
  contains?: string[];
  notContains?: string[];
  regex?: string;
  maxWords?: number;
  /** Generate: the code parses (true) or need not (false). */
  parses?: boolean;
  /** Summarize: entity density of the chosen step. */
  minDensity?: number;
  maxCostUsd?: number;
  maxLatencyMs?: number;
}

const KEYS = ['score', 'criteria', 'contains', 'notContains', 'regex', 'maxWords', 'parses', 'minDensity', 'maxCostUsd', 'maxLatencyMs'];

function range(v: unknown): [number, number] | null {
  return Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number' && Number.isFinite(n)) && v[0] <= v[1] ? [v[0], v[1]] : null;
}
const strings = (v: unknown): string[] | null => (typeof v === 'string' ? [v] : Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : null);

/** Checks a case's `expect` object; problems go to `problems` (with `at`), null when unusable. */
export function checkExpectations(v: unknown, pipeline: PipelineKind, at: string, problems: string[]): Expectations | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    problems.push(`${at}: "expect" must be an object`);
    return null;
  }
  const o = v as Record<string, unknown>;
  const before = problems.length;
  const e: Expectations = {};
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) problems.push(`${at}: unknown expectation "${k}" (${KEYS.join(', ')})`);
  const num = (k: 'maxWords' | 'minDensity' | 'maxCostUsd' | 'maxLatencyMs') => {
    if (o[k] === undefined) return;
    if (typeof o[k] === 'number' && Number.isFinite(o[k]) && (o[k] as number) >= 0) e[k] = o[k] as number;
    else problems.push(`${at}: "${k}" must be a number ≥ 0`);
  };
  if (o.score !== undefined) {
    const r = range(o.score);
    if (r && r[0] >= 0 && r[1] <= 1) e.score = r;
    else problems.push(`${at}: bad range "score": ${JSON.stringify(o.score)} (two numbers in 0–1, low ≤ high)`);
  }
  if (o.criteria !== undefined) {
    const c = typeof o.criteria === 'object' && o.criteria !== null ? (o.criteria as Record<string, unknown>) : null;
    if (!c) problems.push(`${at}: "criteria" must map criterion names to ranges`);
    else {
      e.criteria = {};
      for (const [name, rv] of Object.entries(c)) {
        const r = range(rv);
        if (r && r[0] >= 0 && r[1] <= 1) e.criteria[name] = r;
        else problems.push(`${at}: bad range for criterion "${name}": ${JSON.stringify(rv)}`);
      }
    }
  }
  for (const k of ['contains', 'notContains'] as const) {
    if (o[k] === undefined) continue;
    const s = strings(o[k]);
    if (s) e[k] = s;
    else problems.push(`${at}: "${k}" must be a string or a list of strings`);
  }
  if (o.regex !== undefined) {
    try {
      new RegExp(String(o.regex));
      e.regex = String(o.regex);
    } catch {
      problems.push(`${at}: "regex" is not a valid regular expression`);
    }
  }
  if (o.parses !== undefined) {
    if (pipeline !== 'generate') problems.push(`${at}: "parses" applies to generate cases only`);
    else if (typeof o.parses === 'boolean') e.parses = o.parses;
    else problems.push(`${at}: "parses" must be true or false`);
  }
  if (o.minDensity !== undefined && pipeline !== 'summarize') problems.push(`${at}: "minDensity" applies to summarize cases only`);
  num('maxWords');
  num('minDensity');
  num('maxCostUsd');
  num('maxLatencyMs');
  return problems.length === before ? e : null;
}

const inRange = (v: number, [lo, hi]: [number, number]) => v >= lo - 1e-9 && v <= hi + 1e-9;
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(3));

/** The expectations a run failed, as sentences (empty: the case passes). A failed run fails its case. */
export function failedExpectations(e: Expectations, pipeline: PipelineKind, r: PipelineResults[PipelineKind]): string[] {
  const f: string[] = [];
  if (r.error) return [`run failed (${r.error.kind}): ${r.error.message}`];
  const t = r.trace;
  if (e.score) {
    if (!r.judge) f.push(`score expected in [${e.score.join(', ')}], but the run was not judged${r.judgeError ? ` (${r.judgeError.message})` : ''}`);
    else if (!inRange(r.judge.score, e.score)) f.push(`score ${fmt(r.judge.score)} not in [${e.score.join(', ')}]`);
  }
  for (const [name, rg] of Object.entries(e.criteria ?? {})) {
    const c = r.judge?.criteria.find((x) => x.name === name);
    if (!c) f.push(`criterion ${name} expected in [${rg.join(', ')}], but it has no score`);
    else if (!inRange(c.score, rg)) f.push(`${name} ${fmt(c.score)} not in [${rg.join(', ')}]`);
  }
  const out = r.output;
  for (const s of e.contains ?? []) if (!out.toLowerCase().includes(s.toLowerCase())) f.push(`output does not contain "${s}"`);
  for (const s of e.notContains ?? []) if (out.toLowerCase().includes(s.toLowerCase())) f.push(`output contains "${s}"`);
  if (e.regex && !new RegExp(e.regex, 'm').test(out)) f.push(`output does not match /${e.regex}/`);
  if (e.maxWords !== undefined) {
    const words = out.split(/\s+/).filter(Boolean).length;
    if (words > e.maxWords) f.push(`${words} words > ${e.maxWords}`);
  }
  if (e.parses !== undefined && pipeline === 'generate') {
    const parses = 'generated' in r ? (r.generated?.parses ?? null) : null;
    if (e.parses && parses !== true) f.push(parses === null ? 'the code could not be checked' : 'the code does not parse');
  }
  if (e.minDensity !== undefined && 'summary' in r) {
    const s = r.summary.recommendedStep !== null ? r.summary.steps[r.summary.recommendedStep - 1] : r.summary.steps.at(-1);
    if (!s || s.entityDensity < e.minDensity) f.push(`entity density ${fmt(s?.entityDensity ?? 0)} < ${e.minDensity}`);
  }
  if (e.maxCostUsd !== undefined && (t.costUsd ?? 0) > e.maxCostUsd) f.push(`cost $${(t.costUsd ?? 0).toFixed(6)} > $${e.maxCostUsd}`);
  const latency = t.endTime === null ? null : t.endTime - t.startTime;
  if (e.maxLatencyMs !== undefined && latency !== null && latency > e.maxLatencyMs) f.push(`latency ${latency} ms > ${e.maxLatencyMs} ms`);
  return f;
}
