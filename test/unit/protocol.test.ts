import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_IDS } from '../../src/host/commandIds';
import { HOST_ACTIONS, parseWebviewRequest } from '../../src/shared/protocol';

const TRACE_ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

const rate = (params: Record<string, unknown>): unknown => ({ id: 1, method: 'rate', params });
const rateWith = (rating: unknown): unknown => rate({ traceId: TRACE_ID, rating });

function rateRejects(): Array<[string, unknown]> {
  return [
    ['rate with 0 stars', rateWith({ kind: 'stars', value: 0 })],
    ['rate with 6 stars', rateWith({ kind: 'stars', value: 6 })],
    ['rate with 2.5 stars', rateWith({ kind: 'stars', value: 2.5 })],
    ['rate with -1 stars', rateWith({ kind: 'stars', value: -1 })],
    ['rate with NaN stars', rateWith({ kind: 'stars', value: Number.NaN })],
    ['rate with string stars', rateWith({ kind: 'stars', value: '3' })],
    ['rate with thumbs 2', rateWith({ kind: 'thumbs', value: 2 })],
    ['rate with thumbs -1', rateWith({ kind: 'thumbs', value: -1 })],
    ['rate with thumbs 0.5', rateWith({ kind: 'thumbs', value: 0.5 })],
    ['rate with boolean thumbs', rateWith({ kind: 'thumbs', value: true })],
    ['rate with string thumbs', rateWith({ kind: 'thumbs', value: '1' })],
    ['rate with an unknown kind', rateWith({ kind: 'hearts', value: 1 })],
    ['rate with a missing kind', rateWith({ value: 1 })],
    ['rate with a missing value', rateWith({ kind: 'stars' })],
    ['rate with an extra rating key', rateWith({ kind: 'thumbs', value: 1, comment: 'great' })],
    ['rate with an extra stars key', rateWith({ kind: 'stars', value: 4, max: 5 })],
    ['rate with a null rating', rateWith(null)],
    ['rate with an array rating', rateWith(['thumbs', 1])],
    ['rate with a bare number rating', rateWith(1)],
    ['rate without a rating', rate({ traceId: TRACE_ID })],
    ['rate without a trace id', rate({ rating: { kind: 'thumbs', value: 1 } })],
    ['rate with a non-uuid trace id', rate({ traceId: 'not-a-trace-id', rating: { kind: 'thumbs', value: 1 } })],
    ['rate with a trace id with a path', rate({ traceId: `../${TRACE_ID.slice(3)}`, rating: { kind: 'stars', value: 3 } })],
    ['rate with a numeric trace id', rate({ traceId: 42, rating: { kind: 'stars', value: 3 } })],
  ];
}

describe('webview protocol: parseWebviewRequest', () => {
  const valid: unknown[] = [
    { id: 0, method: 'ready', params: { panel: 'result' } },
    { id: 1, method: 'ready', params: { panel: 'trace' } },
    { id: 3, method: 'ready', params: { panel: 'experiments' } },
    { id: 2, method: 'viewTrace', params: { traceId: TRACE_ID } },
    ...HOST_ACTIONS.map((action, i) => ({ id: 10 + i, method: 'runAction', params: { action } })),
    { id: 20, method: 'copy', params: { text: 'const x = 1;\n' } },
    { id: 21, method: 'copy', params: { text: '' } },
    { id: 30, method: 'openInOpik', params: { traceId: TRACE_ID } },
    { id: 60, method: 'openExperimentInOpik', params: { runId: TRACE_ID } },
    { id: 31, method: 'rate', params: { traceId: TRACE_ID, rating: { kind: 'thumbs', value: 1 } } },
    { id: 32, method: 'rate', params: { traceId: TRACE_ID, rating: { kind: 'thumbs', value: 0 } } },
    ...[1, 2, 3, 4, 5].map((value, i) => ({ id: 33 + i, method: 'rate', params: { traceId: TRACE_ID, rating: { kind: 'stars', value } } })),
    { id: 40, method: 'cancelRun', params: {} },
    { id: 41, method: 'revealCode', params: { traceId: TRACE_ID } },
    { id: 50, method: 'ready', params: { panel: 'dashboard' } },
    { id: 51, method: 'dashboardQuery', params: { range: '30d', filter: {} } },
    { id: 52, method: 'dashboardQuery', params: { range: 'all', filter: { type: 'explain', model: 'gemini-2.5-pro', promptVersion: 'explain@1a2b3c4d', tag: 'ui' } } },
    { id: 53, method: 'showTraces', params: { selection: { label: 'model gemini-2.5-pro', model: 'gemini-2.5-pro', from: 0, to: 1_800_000_000_000 } } },
    { id: 54, method: 'showTraces', params: { selection: { label: 'error quota', errorKind: 'quota' } } },
    { id: 60, method: 'annotate', params: { traceId: TRACE_ID, change: { review: 'queued' } } },
    { id: 61, method: 'annotate', params: { traceId: TRACE_ID, change: { review: null, note: 'Invents a method.', labels: ['hallucination', 'too long'] } } },
    { id: 62, method: 'annotate', params: { traceId: TRACE_ID, change: { review: 'reviewed', labels: [] } } },
    { id: 70, method: 'removeTag', params: { traceId: TRACE_ID, tag: 'experiment:baseline' } },
    // Text that is no tag still reaches the host, whose normalizeTag message tells the user what is wrong.
    { id: 71, method: 'removeTag', params: { traceId: TRACE_ID, tag: 'a, b' } },
    { id: 72, method: 'editTags', params: { traceId: TRACE_ID } },
  ];
  for (const msg of valid) {
    it(`accepts ${JSON.stringify(msg)}`, () => {
      const parsed = parseWebviewRequest(msg);
      assert.notEqual(parsed, null);
      assert.deepEqual(parsed, msg);
    });
  }

  it('knows exactly the four host actions', () => {
    assert.deepEqual([...HOST_ACTIONS].sort(), ['openSettings', 'retry', 'setApiKey', 'showLog']);
  });

  const invalid: Array<[string, unknown]> = [
    ['null', null],
    ['a string', 'ready'],
    ['an array', [{ id: 1, method: 'ready', params: { panel: 'result' } }]],
    ['an unknown method', { id: 1, method: 'eval', params: {} }],
    ['an inherited method name', { id: 1, method: 'toString', params: {} }],
    ['a __proto__ method', { id: 1, method: '__proto__', params: {} }],
    ['a missing method', { id: 1, params: { panel: 'result' } }],
    ['missing params', { id: 1, method: 'ready' }],
    ['null params', { id: 1, method: 'ready', params: null }],
    ['array params', { id: 1, method: 'copy', params: ['text'] }],
    ['a missing id', { method: 'ready', params: { panel: 'result' } }],
    ['a string id', { id: '1', method: 'ready', params: { panel: 'result' } }],
    ['a fractional id', { id: 1.5, method: 'ready', params: { panel: 'result' } }],
    ['a negative id', { id: -1, method: 'ready', params: { panel: 'result' } }],
    ['a NaN id', { id: Number.NaN, method: 'ready', params: { panel: 'result' } }],
    ['an infinite id', { id: Number.POSITIVE_INFINITY, method: 'ready', params: { panel: 'result' } }],
    ['an unknown panel', { id: 1, method: 'ready', params: { panel: 'settings' } }],
    ['an unknown dashboard range', { id: 1, method: 'dashboardQuery', params: { range: '1y', filter: {} } }],
    ['an unknown dashboard filter key', { id: 1, method: 'dashboardQuery', params: { range: '7d', filter: { sql: '1=1' } } }],
    ['an unknown pipeline in the dashboard filter', { id: 1, method: 'dashboardQuery', params: { range: '7d', filter: { type: 'shell' } } }],
    ['a numeric model in the dashboard filter', { id: 1, method: 'dashboardQuery', params: { range: '7d', filter: { model: 3 } } }],
    ['a selection without a label', { id: 1, method: 'showTraces', params: { selection: { model: 'x' } } }],
    ['a selection with an extra key', { id: 1, method: 'showTraces', params: { selection: { label: 'x', text: 'y' } } }],
    ['a selection with a negative time', { id: 1, method: 'showTraces', params: { selection: { label: 'x', from: -1 } } }],
    ['a missing panel', { id: 1, method: 'ready', params: {} }],
    ['a numeric trace id', { id: 1, method: 'viewTrace', params: { traceId: 42 } }],
    ['a non-uuid trace id', { id: 1, method: 'viewTrace', params: { traceId: 'not-a-trace-id' } }],
    ['a trace id with a path', { id: 1, method: 'viewTrace', params: { traceId: `../${TRACE_ID.slice(3)}` } }],
    ['an upper-case trace id', { id: 1, method: 'viewTrace', params: { traceId: TRACE_ID.toUpperCase() } }],
    ['a too long trace id', { id: 1, method: 'viewTrace', params: { traceId: `${TRACE_ID}0` } }],
    ['a trace id of dashes only', { id: 1, method: 'viewTrace', params: { traceId: '-'.repeat(36) } }],
    ['a missing trace id', { id: 1, method: 'viewTrace', params: {} }],
    ['an extra key beside the trace id', { id: 1, method: 'openInOpik', params: { traceId: TRACE_ID, url: 'https://evil.example' } }],
    ['an extra key in rate params', { id: 1, method: 'rate', params: { traceId: TRACE_ID, rating: { kind: 'thumbs', value: 1 }, extra: 1 } }],
    ['an unknown action', { id: 1, method: 'runAction', params: { action: 'deleteAllTraces' } }],
    ['an inherited action name', { id: 1, method: 'runAction', params: { action: 'constructor' } }],
    ['a non-string action', { id: 1, method: 'runAction', params: { action: 1 } }],
    ['non-string copy text', { id: 1, method: 'copy', params: { text: 12 } }],
    ['an oversized copy text', { id: 1, method: 'copy', params: { text: 'x'.repeat(5_000_001) } }],
    ['openInOpik without a trace id', { id: 1, method: 'openInOpik', params: {} }],
    ['openInOpik with a non-uuid trace id', { id: 1, method: 'openInOpik', params: { traceId: 'https://evil.example/' } }],
    ['openExperimentInOpik with a URL for a run id', { id: 1, method: 'openExperimentInOpik', params: { runId: 'https://evil.example/' } }],
    ['openExperimentInOpik with a trace id key', { id: 1, method: 'openExperimentInOpik', params: { traceId: TRACE_ID } }],
    ['openInOpik with a numeric trace id', { id: 1, method: 'openInOpik', params: { traceId: 7 } }],
    ['openInOpik with an upper-case trace id', { id: 1, method: 'openInOpik', params: { traceId: TRACE_ID.toUpperCase() } }],
    ...rateRejects(),
    ['cancelRun with a key', { id: 1, method: 'cancelRun', params: { traceId: TRACE_ID } }],
    ['revealCode with a path instead of a trace id', { id: 1, method: 'revealCode', params: { traceId: '/etc/passwd' } }],
    ['revealCode with an extra file key', { id: 1, method: 'revealCode', params: { traceId: TRACE_ID, file: '/etc/passwd' } }],
    ['annotate with an empty change', { id: 1, method: 'annotate', params: { traceId: TRACE_ID, change: {} } }],
    ['annotate with an unknown review state', { id: 1, method: 'annotate', params: { traceId: TRACE_ID, change: { review: 'done' } } }],
    ['annotate with an unknown change key', { id: 1, method: 'annotate', params: { traceId: TRACE_ID, change: { queuedAt: 0 } } }],
    ['annotate with a too long note', { id: 1, method: 'annotate', params: { traceId: TRACE_ID, change: { note: 'x'.repeat(10_001) } } }],
    ['annotate with a non-string label', { id: 1, method: 'annotate', params: { traceId: TRACE_ID, change: { labels: ['ok', 3] } } }],
    ['annotate with 51 labels', { id: 1, method: 'annotate', params: { traceId: TRACE_ID, change: { labels: Array.from({ length: 51 }, (_, i) => `l${i}`) } } }],
    ['annotate with a too long label', { id: 1, method: 'annotate', params: { traceId: TRACE_ID, change: { labels: ['x'.repeat(61)] } } }],
    ['removeTag without a tag', { id: 1, method: 'removeTag', params: { traceId: TRACE_ID } }],
    ['removeTag with a list of tags', { id: 1, method: 'removeTag', params: { traceId: TRACE_ID, tag: ['a', 'b'] } }],
    ['removeTag with a numeric tag', { id: 1, method: 'removeTag', params: { traceId: TRACE_ID, tag: 7 } }],
    ['removeTag with 1,001 characters of tag', { id: 1, method: 'removeTag', params: { traceId: TRACE_ID, tag: 'x'.repeat(1_001) } }],
    ['removeTag with a trace name instead of an id', { id: 1, method: 'removeTag', params: { traceId: 'Explain src/lru.ts', tag: 'ui' } }],
    ['removeTag with an extra add key', { id: 1, method: 'removeTag', params: { traceId: TRACE_ID, tag: 'ui', add: ['x'] } }],
    ['editTags without a trace id', { id: 1, method: 'editTags', params: {} }],
    ['editTags with a change (the picker decides it)', { id: 1, method: 'editTags', params: { traceId: TRACE_ID, remove: ['ui'] } }],
  ];
  for (const [label, msg] of invalid) {
    it(`rejects ${label}`, () => {
      assert.equal(parseWebviewRequest(msg), null);
    });
  }
});

interface Contributes {
  commands: Array<{ command: string; title: string }>;
  menus: Record<string, Array<{ command?: string; submenu?: string; group?: string }>>;
  submenus?: Array<{ id: string; label: string }>;
  keybindings: Array<{ command: string }>;
  viewsWelcome?: Array<{ contents: string }>;
  configuration: ConfigSection | ConfigSection[];
}
interface ConfigSection {
  properties: Record<string, { description?: string; markdownDescription?: string }>;
}

describe('package.json contributions', () => {
  const raw = readFileSync(join(__dirname, '../../package.json'), 'utf8');
  const nls = JSON.parse(readFileSync(join(__dirname, '../../package.nls.json'), 'utf8')) as Record<string, string>;
  // The user-facing strings are %key% placeholders resolved from package.nls.json (as VS Code does).
  const placeholders = [...raw.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1]!);
  const pkg = JSON.parse(raw.replace(/"%([^"%]+)%"/g, (_, k: string) => JSON.stringify(nls[k] ?? `%${k}%`))) as { contributes: Contributes };
  const c = pkg.contributes;
  const known = new Set<string>(COMMAND_IDS);

  it('every %key% placeholder has its string in package.nls.json, and every string there is used', () => {
    assert.ok(placeholders.length >= 50, 'titles, settings and views are localizable');
    for (const k of placeholders) assert.ok(typeof nls[k] === 'string' && nls[k]!.trim(), `package.nls.json has ${k}`);
    for (const k of Object.keys(nls)) assert.ok(placeholders.includes(k), `${k} in package.nls.json is used by package.json`);
  });

  it('COMMAND_IDS equals the contributed commands, each with a title', () => {
    const contributed = c.commands.map((x) => x.command);
    assert.equal(new Set(contributed).size, contributed.length, 'no duplicate command');
    assert.deepEqual([...contributed].sort(), [...COMMAND_IDS].sort());
    for (const cmd of c.commands) assert.ok(cmd.title.trim(), `${cmd.command} has a title`);
  });

  it('every menu, keybinding and welcome link names a known command', () => {
    const used = [
      ...Object.entries(c.menus).flatMap(([menu, items]) => items.filter((i) => !i.submenu).map((i) => [menu, i.command ?? ''] as const)),
      ...c.keybindings.map((k) => ['keybindings', k.command] as const),
      ...(c.viewsWelcome ?? []).flatMap((w) => [...w.contents.matchAll(/\(command:([\w.]+)\)/g)].map((m) => ['viewsWelcome', m[1]!] as const)),
    ];
    assert.ok(used.length >= 5, 'menus and keybindings are contributed');
    for (const [where, cmd] of used) assert.ok(known.has(cmd), `${where} uses unknown command ${cmd}`);
    assert.ok(c.keybindings.some((k) => k.command === 'codi.explainSelection'), 'Explain Selection has a keybinding');
  });

  it('the editor context menu holds one CODI submenu, not loose entries beside other extensions', () => {
    const ids = new Set((c.submenus ?? []).map((s) => s.id));
    const top = c.menus['editor/context'] ?? [];
    assert.deepEqual(top.map((i) => i.command ?? null), [null], 'only submenus at the top level');
    for (const i of top) assert.ok(i.submenu && ids.has(i.submenu), `submenu ${i.submenu} is declared`);
    const label = (c.submenus ?? []).find((s) => s.id === top[0]?.submenu)?.label;
    assert.equal(label, 'CODI');
    const inside = c.menus[top[0]!.submenu!]!.map((i) => i.command);
    for (const cmd of ['codi.explainSelection', 'codi.summarizeSelection', 'codi.generateCode']) assert.ok(inside.includes(cmd), `${cmd} in the CODI submenu`);
  });

  it('the Traces item menu offers open, reveal, Opik, copy and delete, and Clear History has a group of its own', () => {
    const item = (c.menus['view/item/context'] ?? []).map((i) => i.command);
    for (const cmd of ['codi.showTrace', 'codi.revealTraceCode', 'codi.openInOpik', 'codi.copyTraceId', 'codi.deleteTrace']) assert.ok(item.includes(cmd), cmd);
    const title = c.menus['view/title'] ?? [];
    const clear = title.find((i) => i.command === 'codi.clearHistory');
    assert.ok(clear?.group && !title.some((i) => i !== clear && i.group?.split('@')[0] === clear.group!.split('@')[0]), 'Clear History is alone in its group');
  });

  it('every codi.* setting has a description', () => {
    const sections = Array.isArray(c.configuration) ? c.configuration : [c.configuration];
    const settings = sections.flatMap((s) => Object.entries(s.properties));
    const codi = settings.filter(([k]) => k.startsWith('codi.'));
    assert.ok(codi.length >= 5, 'settings are contributed');
    assert.equal(codi.length, settings.length, 'every setting is in the codi.* namespace');
    for (const [key, p] of codi) {
      const text = p.markdownDescription ?? p.description ?? '';
      assert.ok(text.trim().length > 10, `${key} has a description`);
    }
  });
});
