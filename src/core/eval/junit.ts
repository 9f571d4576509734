/** JUnit XML of an experiment, as GitHub Actions and GitLab test reporters read it: one testcase per case. */
import type { Experiment } from './experiment';

const esc = (s: string): string =>
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function junitXml(e: Experiment): string {
  const secs = (ms: number | null) => ((ms ?? 0) / 1000).toFixed(3);
  const cases = e.cases.map((c) => {
    const props = `score=${c.score ?? 'none'}${c.flaky ? ', flaky' : ''}, trace ${c.traceId}`;
    const body = c.pass
      ? `<system-out>${esc(props)}</system-out>`
      : `<failure message="${esc(c.failures[0] ?? 'failed')}" type="expectation">${esc(c.failures.join('\n'))}</failure><system-out>${esc(props)}</system-out>`;
    return `    <testcase classname="${esc(`${e.dataset.name}.${c.pipeline}`)}" name="${esc(c.id)}" time="${secs(c.latencyMs)}">${body}</testcase>`;
  });
  const time = secs(e.endedAt - e.startedAt);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="codi eval" tests="${e.cases.length}" failures="${e.failed}" time="${time}">`,
    `  <testsuite name="${esc(e.name)}" tests="${e.cases.length}" failures="${e.failed}" errors="0" skipped="0" time="${time}" timestamp="${new Date(e.startedAt).toISOString()}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
