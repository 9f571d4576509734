import { createHash } from 'node:crypto';

/** A prompt template with `{{variables}}`; its version is a short hash of its content. */
export interface PromptTemplate {
  name: string;
  system: string;
  user: string;
}

export interface RenderedPrompt {
  name: string;
  version: string;
  /** The rendered text sent to the model. */
  system: string;
  user: string;
  /** The unrendered template the version names (what the trace store keeps once per version). */
  template: { system: string; user: string };
}

/** One prompt version as the trace store keeps it: the unrendered template under its name and version. */
export interface PromptVersionRecord {
  name: string;
  version: string;
  system: string;
  user: string;
}

export function promptVersion(t: PromptTemplate): string {
  return createHash('sha256').update(`${t.system}\u0000${t.user}`).digest('hex').slice(0, 8);
}

/** Fills `{{name}}` placeholders; a missing variable is a programming error, not an empty string. */
export function renderPrompt(t: PromptTemplate, vars: Record<string, string>): RenderedPrompt {
  const fill = (s: string) =>
    s.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => {
      const v = vars[k];
      if (v === undefined) throw new Error(`Prompt "${t.name}" needs variable "${k}".`);
      return v;
    });
  return { name: t.name, version: promptVersion(t), system: fill(t.system), user: fill(t.user), template: { system: t.system, user: t.user } };
}
