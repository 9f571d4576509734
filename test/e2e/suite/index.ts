// Mocha bootstrap that runs inside the VS Code extension host (extensionTestsPath). esbuild bundles this
// file with the test files (imported statically, no globbing); `mocha` stays external and is loaded from
// the project's node_modules at run time.
import * as mochaModule from 'mocha';
import type Mocha from 'mocha';
import { registerExtensionTests } from './extension.test';
import { registerOpikTests } from './opik.test';
import { registerOpikStartupTests } from './opikStartup.test';
import { registerPipelineTests } from './pipelines.test';
import { registerTrustTests } from './trust.test';
import { registerExperimentTests } from './experiments.test';
import { registerSharedStoreTests } from './sharedStore.test';
import { registerExportTests } from './export.test';
import { registerTagTests } from './tags.test';

type MochaClass = typeof Mocha;

/** mocha 12 is an ES module over a CJS core; depending on the interop layer its class sits at `.default`. */
function loadMocha(): MochaClass {
  let m: unknown = mochaModule;
  for (let i = 0; i < 3 && typeof m !== 'function' && m; i++) m = (m as { default?: unknown }).default;
  if (typeof m !== 'function') throw new Error('could not load the Mocha class from the "mocha" package');
  return m as MochaClass;
}

export function run(): Promise<void> {
  const MochaCtor = loadMocha();
  const mocha = new MochaCtor({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  // Give the test files mocha's tdd globals (suite, test, suiteSetup…), as mocha.loadFiles would.
  mocha.suite.emit('pre-require', globalThis, 'extension.test.ts', mocha);
  if (process.env.CODI_E2E_SUITES === 'opik-startup') {
    // A second session with Opik export on from the start (scripts/e2e.mjs).
    registerOpikStartupTests();
  } else if (process.env.CODI_E2E_SUITES === 'trust') {
    // The trust-boundary session: workspace settings from a hostile repository (scripts/e2e.mjs).
    registerTrustTests();
  } else {
    registerExtensionTests();
    registerTagTests();
    registerSharedStoreTests();
    registerPipelineTests();
    registerExperimentTests();
    registerExportTests();
    registerOpikTests(); // last: it turns Opik export on
  }
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
        else resolve();
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
