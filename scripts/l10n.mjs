// Writes l10n/bundle.l10n.json from the vscode.l10n.t(...) calls in src/host, in the format @vscode/l10n-dev
// writes (key = the message, value = the message; t({message, comment}) → key "message/comment", value
// {message, comment}), so translators get every string the host shows. Uses the TypeScript compiler API
// (a devDependency) instead of adding @vscode/l10n-dev.
//   node scripts/l10n.mjs           write the bundle
//   node scripts/l10n.mjs --check   exit 1 if the bundle is stale or a host message is not localized
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const bundlePath = join(root, 'l10n', 'bundle.l10n.json');

/** Calls whose option properties are shown to the user (a literal there must go through l10n.t); pickOne and askText are src/host/pickers.ts. */
const optionCalls = new Set(['showInputBox', 'showQuickPick', 'withProgress', 'showSaveDialog', 'showOpenDialog', 'pickOne', 'askText']);
const shownProps = new Set(['title', 'prompt', 'placeHolder', 'openLabel', 'saveLabel', 'detail']);

/** Properties of quick picks, input boxes, tree views and status bar items that the user reads. */
const shownAssignments = new Set(['title', 'placeholder', 'prompt', 'tooltip', 'message', 'description', 'name']);

/** @param {string} dir @returns {string[]} */
function tsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
    .sort();
}

/** `vscode.l10n.t` or `l10n.t`. @param {ts.Expression} e */
function isL10nT(e) {
  return ts.isPropertyAccessExpression(e) && e.name.text === 't' && (ts.isPropertyAccessExpression(e.expression) ? e.expression.name.text === 'l10n' : ts.isIdentifier(e.expression) && e.expression.text === 'l10n');
}

/** A string the user reads that was written in the source: '…', "…" or `…` (with or without ${}). @param {ts.Node} e */
function isLiteralText(e) {
  return ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e);
}

/** @param {ts.Expression} e */
function calleeName(e) {
  return ts.isPropertyAccessExpression(e) ? e.name.text : ts.isIdentifier(e) ? e.text : '';
}

/**
 * Reads src/host: every l10n.t message (bundle order = file order, then source order) and every place a
 * user-facing literal skips l10n.t.
 * @param {string} [dir]
 * @returns {{ bundle: Record<string, string | { message: string, comment: string[] }>, problems: string[] }}
 */
export function extract(dir = join(root, 'src', 'host')) {
  /** @type {Record<string, string | { message: string, comment: string[] }>} */
  const bundle = {};
  /** @type {string[]} */
  const found = [];
  for (const file of tsFiles(dir)) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const at = (/** @type {ts.Node} */ n) => `${relative(root, file)}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
    /** @param {ts.Node} n */
    const visit = (n) => {
      if (ts.isCallExpression(n) && isL10nT(n.expression)) {
        const [first] = n.arguments;
        if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) {
          bundle[first.text] = first.text;
          // {0}… must match the arguments: a missing one shows "{1}" to the user, an extra one is lost.
          const rest = n.arguments.slice(1);
          if (!(rest.length === 1 && ts.isObjectLiteralExpression(rest[0]))) {
            const used = new Set([...first.text.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])));
            for (let i = 0; i < Math.max(rest.length, ...[...used].map((u) => u + 1)); i++) {
              if (!used.has(i) || i >= rest.length) found.push(`${at(n)}: l10n.t('${first.text.slice(0, 40)}…') has ${rest.length} argument(s) but ${used.has(i) ? 'uses' : 'does not use'} {${i}}`);
            }
          }
        }
        else if (first && ts.isObjectLiteralExpression(first)) {
          /** @type {(name: string) => ts.Expression | undefined} */
          const prop = (name) => first.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText(sf) === name)?.initializer;
          const m = prop('message');
          const c = prop('comment');
          const comment = c && ts.isArrayLiteralExpression(c) ? c.elements : c ? [c] : [];
          if (!m || !(ts.isStringLiteral(m) || ts.isNoSubstitutionTemplateLiteral(m)) || !comment.every((x) => ts.isStringLiteral(x) || ts.isNoSubstitutionTemplateLiteral(x))) {
            found.push(`${at(n)}: l10n.t({message, comment}) needs literal strings`);
          } else {
            const texts = comment.map((x) => /** @type {ts.StringLiteral} */ (x).text);
            if (texts.length) bundle[`${m.text}/${texts.join('')}`] = { message: m.text, comment: texts };
            else bundle[m.text] = m.text;
          }
        } else found.push(`${at(n)}: l10n.t needs a literal message (pass values as {0}… arguments, not \${…})`);
      } else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(n.left) && shownAssignments.has(n.left.name.text) && isLiteralText(n.right) && /[a-z]{2}/i.test(n.right.getText(sf).replace(/\$\([\w-]+\)|\$\{[^}]*\}/g, ''))) {
        found.push(`${at(n)}: .${n.left.name.text} = ${n.right.getText(sf).slice(0, 60)} without l10n.t`);
      } else if (ts.isCallExpression(n) && /^(show(Information|Warning|Error)Message|setStatusBarMessage)$/.test(calleeName(n.expression))) {
        for (const a of n.arguments) if (isLiteralText(a)) found.push(`${at(a)}: ${calleeName(n.expression)} shows ${a.getText(sf).slice(0, 60)} without l10n.t`);
      } else if (ts.isCallExpression(n) && optionCalls.has(calleeName(n.expression))) {
        for (const a of n.arguments) {
          if (!ts.isObjectLiteralExpression(a)) continue;
          for (const p of a.properties) {
            if (ts.isPropertyAssignment(p) && shownProps.has(p.name.getText(sf)) && isLiteralText(p.initializer)) found.push(`${at(p)}: ${calleeName(n.expression)} ${p.name.getText(sf)} ${p.initializer.getText(sf).slice(0, 60)} without l10n.t`);
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { bundle, problems: found };
}

/** The bundle file's text, as written. @param {Record<string, unknown>} bundle */
export function bundleText(bundle) {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { bundle, problems } = extract();
  for (const p of problems) console.error(`[l10n] ${p}`);
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(bundlePath, 'utf8');
    } catch {
      /* missing: stale */
    }
    const stale = current !== bundleText(bundle);
    if (stale) console.error('[l10n] l10n/bundle.l10n.json is out of date: run `node scripts/l10n.mjs`');
    process.exit(stale || problems.length ? 1 : 0);
  }
  mkdirSync(dirname(bundlePath), { recursive: true });
  writeFileSync(bundlePath, bundleText(bundle));
  console.log(`[l10n] ${relative(root, bundlePath)}: ${Object.keys(bundle).length} strings${problems.length ? `; ${problems.length} problem(s) above` : ''}`);
}
