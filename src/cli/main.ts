import { CodiError } from '../core/errors';
import { UsageError } from './args';
import { cmdDoctor, DOCTOR_USAGE } from './commands/doctor';
import { cmdEval, EVAL_USAGE } from './commands/eval';
import { cmdExplain, EXPLAIN_USAGE } from './commands/explain';
import { cmdGenerate, GENERATE_USAGE } from './commands/generate';
import { cmdPrompts, PROMPTS_USAGE } from './commands/prompts';
import { cmdReplay, REPLAY_USAGE } from './commands/replay';
import { cmdStore, STORE_USAGE } from './commands/store';
import { cmdSummarize, SUMMARIZE_USAGE } from './commands/summarize';
import { cmdTraces, TRACES_USAGE } from './commands/traces';
import { EXIT, exitCodeFor, print, storeDir, takeMaxCost, VERSION } from './common';
import { cmdOpik, OPIK_USAGE, opikEngaged } from './opik';
import { guardOutput } from './interrupt';
import { cliNextStep, takeRunFlags } from './runFlags';
import { StoreFault, storeFaultOf } from './storeAccess';

export { EXIT, exitCodeFor } from './common';

const USAGE = `codi — explain, summarize (Chain of Density) and generate code with Gemini; every run judged and traced locally

Usage:
  ${EXPLAIN_USAGE}
  ${SUMMARIZE_USAGE}
  ${GENERATE_USAGE}
  ${TRACES_USAGE}
  ${EVAL_USAGE}
  ${REPLAY_USAGE}
  ${PROMPTS_USAGE}
  ${OPIK_USAGE}
  ${STORE_USAGE}
  ${DOCTOR_USAGE}

Summarize writes --steps (1-8, default 5) summaries of the same length (--words, default 80), each adding
1-3 missing entities; --mode single (default) asks for all steps in one call, iterative makes one call per
step. Inputs above --max-input-tokens (default 100000; env CODI_MAX_INPUT_TOKENS) are summarized in parts.
Generate writes code for --prompt with --file as context (the code goes after --line, default the last line).
Model commands take --timeout <seconds> (default 120): the most one model call may take, retries included.
Summarize asks before splitting an input into more than 8 parts (--yes: go ahead); more than 64 are refused.
Inputs are regular text files of at most 16 MB (UTF-8, or UTF-16/UTF-8 with a byte order mark).

Opik export (opt-in): with --opik or CODI_OPIK=1, explain/summarize/generate queue the saved trace in the
outbox (in the trace store, shared with VS Code) and send it right away; if that fails, a note on stderr says so, the
trace stays queued and the command keeps its own exit code. \`codi opik sync\` sends everything queued
(plus the given traces, even ones recorded without --opik; --retry-failed re-queues traces Opik refused);
one CODI delivers at a time: while VS Code or another codi does, it waits up to --wait seconds (default 60).
\`traces show\` reports each trace's export state: off, pending, sent (with its Opik link) or failed.

Every prompt version a trace used is stored once with its template: \`prompts list\` shows them (name,
version, first seen; "shipped" marks this CODI's own), \`prompts show\` prints one's system and user template.

Environment:
  GEMINI_API_KEY or GOOGLE_API_KEY   API key (GOOGLE_API_KEY wins when both are set)
  GOOGLE_GEMINI_BASE_URL             endpoint override (proxy, gateway, test stand-in)
  CODI_HOME                          trace store folder, shared with VS Code (default ~/.codi)
  CODI_MODEL, CODI_JUDGE_MODEL       default models (gemini-2.5-flash)
  CODI_MAX_ATTEMPTS                  attempts per model call on 429/5xx/timeouts (default 4; backoff honours RetryInfo)
  CODI_FALLBACK_MODEL                model to try on 429/503 after the retries
  CODI_TIMEOUT_SECONDS               as --timeout (default 120)
  CODI_OPIK=1                        export to Opik, as --opik does
  OPIK_URL_OVERRIDE                  Opik API URL (default https://www.comet.com/opik/api; self-hosted
                                     e.g. http://localhost:5173/api)
  OPIK_API_KEY, OPIK_WORKSPACE       required for Opik cloud (self-hosted: optional, workspace "default")
  OPIK_PROJECT_NAME                  Opik project (default CODI)
  CODI_OTLP_ENDPOINT                 OTLP/HTTP receiver (e.g. http://localhost:4318): explain/summarize/generate
                                     push each trace to <endpoint>/v1/traces (queued in the store while it is down)
  CODI_DAILY_BUDGET_USD              daily spending limit in USD (0: none); --max-cost <usd> on explain,
                                     summarize and generate does the same for one command

Experiments: \`codi eval\` runs every case of a dataset (JSONL, CSV or YAML: id, pipeline, input, expect) as
a trace tagged with the experiment and stores the run; it exits 1 when the pass rate is below --min-pass-rate
(env CODI_MIN_PASS_RATE, default 1.0) or a case that passed in --baseline fails now.

\`codi doctor\` checks the key (one models.get per model), the endpoint, the models, Opik (with --opik, CODI_OPIK=1
or OPIK_* set), the OTLP receiver (CODI_OTLP_ENDPOINT), the store and today's cost: exit 0 healthy, 1 with one
line per problem and its fix.

Exit codes: 0 ok, 1 evaluation gate failed (codi eval), 2 usage or bad input, 3 missing/invalid key, 4 model or
service error, 5 daily budget reached (today's spend plus the call's estimate is over it; nothing was sent),
6 trace store problem (disk full, no permission, damage found by \`store check\`; the answer is still printed),
130 cancelled (Ctrl+C, SIGTERM, SIGHUP: the trace is saved as cancelled first), 141 stdout closed by its reader
(\`| head\`).
An Opik delivery problem after a command never changes its exit code. \`codi opik sync\`: 0 only when the
outbox is empty afterwards; 2 bad Opik configuration; 3 Opik cloud without OPIK_API_KEY; 4 traces still
queued (Opik unreachable or refusing) or refused for good.`;



export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  guardOutput();
  try {
    if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      print(USAGE);
      return cmd ? EXIT.ok : EXIT.usage;
    }
    if (cmd === '--version') {
      print(VERSION);
      return EXIT.ok;
    }
    if (cmd === 'explain') return await cmdExplain(takeRunFlags(takeMaxCost(rest)));
    if (cmd === 'summarize') return await cmdSummarize(takeRunFlags(takeMaxCost(rest)));
    if (cmd === 'generate') return await cmdGenerate(takeRunFlags(takeMaxCost(rest)));
    if (cmd === 'traces') return await cmdTraces(rest);
    if (cmd === 'prompts') return await cmdPrompts(rest);
    if (cmd === 'eval') return await cmdEval(takeRunFlags(takeMaxCost(rest)));
    if (cmd === 'replay') return await cmdReplay(takeRunFlags(takeMaxCost(rest)));
    if (cmd === 'opik') return await cmdOpik(rest);
    if (cmd === 'store') return await cmdStore(rest);
    if (cmd === 'doctor') return await cmdDoctor(rest);
    throw new UsageError(`unknown command "${cmd}"`);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`codi: ${err.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (err instanceof StoreFault) {
      process.stderr.write(`codi: ${err.message}\n${err.next}\n`);
      return EXIT.store;
    }
    if (err instanceof CodiError) {
      process.stderr.write(`codi: ${err.message}\n${cliNextStep(err)}\n`);
      return exitCodeFor(err.kind);
    }
    // A file-system failure around the store (a close, a snapshot…) is explained like the others.
    const fault = storeFaultOf(err, storeDir(), 'use');
    if (fault instanceof StoreFault) {
      process.stderr.write(`codi: ${fault.message}\n${fault.next}\n`);
      return EXIT.store;
    }
    // A bug: one line and where to look; the stack only when asked for (CODI_DEBUG=1).
    const detail = err instanceof Error ? (process.env.CODI_DEBUG ? (err.stack ?? err.message) : err.message) : String(err);
    process.stderr.write(`codi: unexpected error: ${detail}\nThis is a bug in CODI; run again with CODI_DEBUG=1 for the details and report it.\n`);
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
