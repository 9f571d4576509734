// A separate writing process for the store tests (another VS Code window, the CLI):
//   node --import tsx test/support/storeWriter.ts <dir> <name-prefix> <count> [parallel] [close|exit]
// Saves <count> traces, <parallel> at a time (default 1), and prints each trace id on its own line as soon
// as saveTrace has resolved (that is, once the trace is acknowledged as durable). Ends by closing the
// store (default) or by exiting without closing it, like a process that dies between writes.
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, WASM } from './fixtures';

async function main(): Promise<void> {
  const [dir, prefix, countArg, parallelArg, end] = process.argv.slice(2);
  const count = Number(countArg);
  const parallel = Math.max(1, Number(parallelArg ?? 1));
  const store = await TraceStore.open({ dir: dir!, wasmPath: WASM });
  process.stdout.write('open\n');
  for (let i = 0; i < count; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - i) }, (_, k) => makeTrace({ name: `${prefix}${i + k}`, output: `answer ${prefix}${i + k} `.repeat(40) }));
    await Promise.all(batch.map(async (t) => {
      await store.saveTrace(t);
      process.stdout.write(`${t.id}\n`);
    }));
  }
  if (end === 'exit') process.exit(0);
  await store.close();
}

void main();
