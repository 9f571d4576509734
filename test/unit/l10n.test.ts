import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundlePath, bundleText, extract } from '../../scripts/l10n.mjs';
import { tempDir } from '../support/fixtures';

/** Runs the extractor over one made-up host file. */
function extractFrom(source: string): ReturnType<typeof extract> {
  const { dir, cleanup } = tempDir('codi-l10n-');
  try {
    mkdirSync(join(dir, 'views'), { recursive: true });
    writeFileSync(join(dir, 'views', 'a.ts'), source);
    return extract(dir);
  } finally {
    cleanup();
  }
}

describe('host strings through vscode.l10n', () => {
  it('l10n/bundle.l10n.json holds every l10n.t message of src/host, and nothing is shown without l10n.t', () => {
    const { bundle, problems } = extract();
    assert.deepEqual(problems, [], 'every message, button, title and prompt in src/host goes through vscode.l10n.t with matching {0}… arguments');
    assert.ok(Object.keys(bundle).length >= 250, `the host's strings are extracted (${Object.keys(bundle).length})`);
    const written = JSON.parse(readFileSync(bundlePath, 'utf8')) as Record<string, unknown>;
    const missing = Object.keys(bundle).filter((k) => !(k in written));
    assert.deepEqual(missing, [], 'l10n/bundle.l10n.json is up to date: run `node scripts/l10n.mjs`');
    assert.equal(readFileSync(bundlePath, 'utf8'), bundleText(bundle), 'l10n/bundle.l10n.json has no stale strings: run `node scripts/l10n.mjs`');
    for (const [k, v] of Object.entries(written)) assert.equal(v, k, `the English bundle maps "${k}" to itself`);
  });

  it('package.json points VS Code at the bundle folder, and the .vsix ships it', () => {
    const root = join(__dirname, '../..');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { l10n?: string };
    assert.equal(pkg.l10n, './l10n');
    assert.equal(join(root, pkg.l10n, 'bundle.l10n.json'), bundlePath);
    assert.match(readFileSync(join(root, '.vscodeignore'), 'utf8'), /^!l10n\/\*\.json$/m);
  });

  it('writes the format @vscode/l10n-dev writes: message → message; {message, comment} → "message/comment"', () => {
    const { bundle, problems } = extractFrom(`
      import * as vscode from 'vscode';
      import { l10n } from 'vscode';
      vscode.l10n.t('Open Settings');
      l10n.t("Delete {0} traces?", 3);
      vscode.l10n.t({ message: 'Run', comment: ['a button', ' that runs'] });
      vscode.l10n.t('{name} is set', { name: 'x' });
    `);
    assert.deepEqual(problems, []);
    assert.deepEqual(bundle, {
      'Open Settings': 'Open Settings',
      'Delete {0} traces?': 'Delete {0} traces?',
      'Run/a button that runs': { message: 'Run', comment: ['a button', ' that runs'] },
      '{name} is set': '{name} is set',
    });
  });

  it('flags a message, a button or a title shown without l10n.t, and placeholders that do not match the arguments', () => {
    const { bundle, problems } = extractFrom(`
      import * as vscode from 'vscode';
      const n = 2;
      void vscode.window.showWarningMessage('CODI: plain text');
      void vscode.window.showInformationMessage(vscode.l10n.t('Fine'), 'Open Settings');
      void vscode.window.showErrorMessage(\`CODI: \${n} failed\`);
      void vscode.window.withProgress({ location: 15, title: 'CODI: Working' }, async () => undefined);
      void vscode.window.showInputBox({ prompt: vscode.l10n.t('Fine too'), placeHolder: \`e.g. \${n}\` });
      vscode.l10n.t(\`\${n} traces\`);
      vscode.l10n.t('{0} of {1}', n);
      vscode.l10n.t('no placeholder', n);
      const qp = vscode.window.createQuickPick();
      qp.placeholder = 'Pick one';
      qp.title = \`$(filter) \${n}\`;
      void vscode.window.setStatusBarMessage('CODI: done', 1000);
    `);
    const lines = problems.map((p) => p.replace(/^.*a\.ts:(\d+): /, '$1 '));
    assert.equal(problems.length, 10, problems.join('\n'));
    assert.match(lines[0]!, /^4 showWarningMessage shows 'CODI: plain text'/);
    assert.match(lines[1]!, /^5 showInformationMessage shows 'Open Settings'/);
    assert.match(lines[2]!, /^6 showErrorMessage shows `CODI: \$\{n\} failed`/);
    assert.match(lines[3]!, /^7 withProgress title 'CODI: Working'/);
    assert.match(lines[4]!, /^8 showInputBox placeHolder/);
    assert.match(lines[5]!, /^9 l10n.t needs a literal message/);
    assert.match(lines[6]!, /^10 .*has 1 argument\(s\) but uses \{1\}/);
    assert.ok(problems.some((p) => /no placeholder.*does not use \{0\}/.test(p)), 'an argument with no {0} for it is flagged');
    assert.match(lines[8]!, /^13 \.placeholder = 'Pick one'/);
    assert.match(lines[9]!, /^15 setStatusBarMessage shows 'CODI: done'/, 'an icon and a value alone (line 14) are not prose');
    assert.deepEqual(Object.keys(bundle), ['Fine', 'Fine too', '{0} of {1}', 'no placeholder']);
  });
});
