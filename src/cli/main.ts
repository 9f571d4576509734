import { CodiError, nextStepFor } from '../core/errors';
import { UsageError } from './args';
import { cmdExplain, EXPLAIN_USAGE } from './commands/explain';
import { cmdGenerate, GENERATE_USAGE } from './commands/generate';
import { cmdPrompts, PROMPTS_USAGE } from './commands/prompts';
import { cmdSummarize, SUMMARIZE_USAGE } from './commands/summarize';
import { cmdTraces, TRACES_USAGE } from './commands/traces';
import { EXIT, exitCodeFor, print, VERSION } from './common';
import { cmdOpik, OPIK_USAGE, opikEngaged } from './opik';

export { EXIT, exitCodeFor } from './common';

const USAGE = `codi — explain, summarize (Chain of Density) and generate code with Gemini; every run judged and traced locally

Usage:
  ${EXPLAIN_USAGE}
  ${SUMMARIZE_USAGE}
  ${GENERATE_USAGE}
  ${TRACES_USAGE}
  ${PROMPTS_USAGE}
  ${OPIK_USAGE}

Summarize writes --steps (1-8, default 5) summaries of the same length (--words, default 80), each adding
1-3 missing entities; --mode single (default) asks for all steps in one call, iterative makes one call per
step. Inputs above --max-input-tokens (default 100000; env CODI_MAX_INPUT_TOKENS) are summarized in parts.
Generate writes code for --prompt with --file as context (the code goes after --line, default the last line).

Opik export (opt-in): with --opik or CODI_OPIK=1, explain/summarize/generate queue the saved trace in the
outbox ($CODI_HOME/opik-outbox.json) and send it right away; if that fails, a note on stderr says so, the
trace stays queued and the command keeps its own exit code. \`codi opik sync\` sends everything queued
(plus the given traces, even ones recorded without --opik; --retry-failed re-queues traces Opik refused).
\`traces show\` reports each trace's export state: off, pending, sent (with its Opik link) or failed.

Every prompt version a trace used is stored once with its template: \`prompts list\` shows them (name,
version, first seen; "shipped" marks this CODI's own), \`prompts show\` prints one's system and user template.

Environment:
  GEMINI_API_KEY or GOOGLE_API_KEY   API key (GOOGLE_API_KEY wins when both are set)
  GOOGLE_GEMINI_BASE_URL             endpoint override (proxy, gateway, test stand-in)
  CODI_HOME                          trace store folder (default ~/.codi)
  CODI_MODEL, CODI_JUDGE_MODEL       default models (gemini-2.5-flash)
  CODI_MAX_ATTEMPTS                  attempts per model call on 429/5xx/timeouts (default 4; backoff honours RetryInfo)
  CODI_FALLBACK_MODEL                model to try on 429/503 after the retries
  CODI_OPIK=1                        export to Opik, as --opik does
  OPIK_URL_OVERRIDE                  Opik API URL (default https://www.comet.com/opik/api; self-hosted
                                     e.g. http://localhost:5173/api)
  OPIK_API_KEY, OPIK_WORKSPACE       required for Opik cloud (self-hosted: optional, workspace "default")
  OPIK_PROJECT_NAME                  Opik project (default CODI)

Exit codes: 0 ok, 2 usage or bad input, 3 missing/invalid key, 4 model or service error, 130 cancelled.
An Opik delivery problem after a command never changes its exit code. \`codi opik sync\`: 0 only when the
outbox is empty afterwards; 2 bad Opik configuration; 3 Opik cloud without OPIK_API_KEY; 4 traces still
queued (Opik unreachable or refusing) or refused for good.`;



export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      print(USAGE);
      return cmd ? EXIT.ok : EXIT.usage;
    }
    if (cmd === '--version') {
      print(VERSION);
      return EXIT.ok;
    }
    if (cmd === 'explain') return await cmdExplain(rest);
    if (cmd === 'summarize') return await cmdSummarize(rest);
    if (cmd === 'generate') return await cmdGenerate(rest);
    if (cmd === 'traces') return await cmdTraces(rest);
    if (cmd === 'prompts') return await cmdPrompts(rest);
    if (cmd === 'opik') return await cmdOpik(rest);
    throw new UsageError(`unknown command "${cmd}"`);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`codi: ${err.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (err instanceof CodiError) {
      const step = nextStepFor(err.kind);
      process.stderr.write(`codi: ${err.message}\n${step ? `${step}\n` : ''}`);
      return exitCodeFor(err.kind);
    }
    process.stderr.write(`codi: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // The opik SDK may leave request timers behind: once the output is flushed, exit.
    if (opikEngaged()) process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}
