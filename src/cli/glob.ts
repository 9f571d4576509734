import { promises as fs } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const MAGIC = /[*?[]/;

/** `*` within a path segment, `**` across segments, `?` one character, `[…]` a class (as shells expand them). */
function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string, out: string[]): Promise<void> {
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.name === 'node_modules' || e.name === '.git') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/**
 * Expands file arguments the shell left unexpanded (quoted, or on Windows): a pattern matches files under its
 * literal prefix, node_modules and .git skipped; a plain argument is kept as it is. Sorted, without duplicates.
 */
export async function expandFileArgs(args: string[], cwd = process.cwd()): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    const spec = a.replace(/:\d+(-\d+)?$/, '');
    if (!MAGIC.test(spec)) {
      out.push(a);
      continue;
    }
    const norm = spec.split(sep).join('/');
    const parts = norm.split('/');
    const fixed = parts.slice(0, parts.findIndex((p) => MAGIC.test(p))).join('/');
    const base = resolve(cwd, fixed || '.');
    const re = globRegex(resolve(cwd, norm).split(sep).join('/'));
    const files: string[] = [];
    await walk(base, files);
    out.push(...files.filter((f) => re.test(f.split(sep).join('/'))).map((f) => relative(cwd, f)).sort());
  }
  return [...new Set(out)];
}
