import { readFileSync } from 'node:fs';
import { CodiError } from '../core/errors';
import type { PromptOverrides } from '../core/prompts/registry';
import { validateOverrides } from '../core/prompts/registry';

/**
 * `--prompt NAME=FILE`: a prompt template from a file — JSON `{"system": …, "user": …}`, or plain text used as
 * the user template. Checked like `codi.prompts.overrides` (unknown names and variables are bad input).
 */
export function promptOverrideFlag(flag: string | true | undefined): PromptOverrides | null {
  if (flag === undefined) return null;
  const m = typeof flag === 'string' ? /^([\w.-]+)=(.+)$/.exec(flag) : null;
  if (!m) throw new CodiError('bad-input', '--prompt takes NAME=FILE, e.g. --prompt explain=prompts/explain.json');
  const [, name, file] = m as unknown as [string, string, string];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CodiError('bad-input', `Cannot read the prompt file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let entry: unknown = { user: text };
  if (file.endsWith('.json')) {
    try {
      entry = JSON.parse(text);
    } catch {
      throw new CodiError('bad-input', `${file} is not valid JSON ({"system": "...", "user": "..."}).`);
    }
  }
  const { overrides, problems } = validateOverrides({ [name]: entry });
  const fatal = problems.filter((p) => !/does not use/.test(p));
  if (fatal.length || !(name in overrides)) throw new CodiError('bad-input', `--prompt ${name}: ${fatal.join(' ') || 'nothing to override'}`);
  return overrides;
}
