// Builds the production bundles and packages them as codi-<version>.vsix in the project root.
//   node scripts/package.mjs [--no-build] [--out <file>]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVSIX } from '@vscode/vsce';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Used only when the project has no .vscodeignore of its own: ship the bundles, media and docs, nothing else.
const fallbackIgnore = ['**', '!package.json', '!dist/**', '!media/**', '!README.md', '!CHANGELOG.md', '!LICENSE*'];

/**
 * Packages the extension and returns the .vsix path.
 * @param {{ build?: boolean, out?: string }} [o]
 */
export async function packageExtension(o = {}) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (o.build !== false) {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
  }
  if (!existsSync(join(root, pkg.main ?? 'dist/extension.js'))) throw new Error(`${pkg.main} is missing: run the build first`);
  const packagePath = o.out ?? join(root, `${pkg.name}-${pkg.version}.vsix`);
  /** @type {string | undefined} */
  let ignoreFile;
  if (!existsSync(join(root, '.vscodeignore')) && !pkg.files) {
    ignoreFile = join(root, '.vscode-test', 'vscodeignore.fallback');
    mkdirSync(dirname(ignoreFile), { recursive: true });
    writeFileSync(ignoreFile, fallbackIgnore.join('\n') + '\n');
  }
  // vsce turns README links into absolute repository URLs, which it can only guess for GitHub/GitLab; for any
  // other repository the links stay relative (VS Code resolves them inside the installed extension).
  const repoUrl = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url ?? '';
  const rewriteRelativeLinks = /github\.com|gitlab\.com/.test(repoUrl);
  const hasLicense = readdirSync(root).some((f) => /^licen[cs]e(\.|$)/i.test(f));
  const t0 = Date.now();
  await createVSIX({
    cwd: root,
    packagePath,
    dependencies: false, // the bundles carry everything; node_modules never ships
    ignoreFile,
    skipLicense: !hasLicense, // vsce would otherwise stop and ask on stdin (no stdin in CI)
    allowMissingRepository: true,
    rewriteRelativeLinks,
  });
  console.log(`[package] ${packagePath} (${(statSync(packagePath).size / 1024).toFixed(0)} KB) in ${Date.now() - t0} ms`);
  return packagePath;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const outAt = argv.indexOf('--out');
  packageExtension({ build: !argv.includes('--no-build'), out: outAt >= 0 ? resolve(argv[outAt + 1]) : undefined })
    .catch((e) => { console.error(`[package] ${e instanceof Error ? e.message : e}`); process.exit(1); });
}
