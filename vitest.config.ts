import { defineConfig } from 'vitest/config';

/**
 * Four projects, told apart by file name and folder:
 * - `*.int.test.ts` (anywhere under test/): integration, against the local parts (dynalite, the AWS stand-ins, the
 *   WeChat simulator, the HTTP gateway, `npm start` as a child process);
 * - `test/browser/*.browser.test.ts`: Chromium driving the local runtime;
 * - `test/infra/**`: CDK stack tests, which synthesize templates (aws-cdk-lib is slow to load) and start no servers;
 * - every other `*.test.ts`: unit, with in-memory fakes and no servers at all (test/support/unit-guard.ts enforces it).
 */
// Each project's timeout sits a few times above its slowest ordinary test on a loaded 2-core machine, so a test that
// turns slow shows itself; the few long ones (property runs, crowds of sign-ins, a simulated day) set their own and say why.
const INTEGRATION = 'test/**/*.int.test.ts';
const BROWSER = 'test/browser/**/*.browser.test.ts';
const INFRA = 'test/infra/**/*.test.ts';

export default defineConfig({
  test: {
    silent: 'passed-only',
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Powertools writes through its own Console, past vitest's `silent`: a passing run prints no log line or metric.
      // Suites that assert on logs turn them back on (enablePowertoolsOutput in test/support/captured-output.ts).
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [INTEGRATION, BROWSER, INFRA],
          setupFiles: ['test/support/unit-guard.ts'],
          // Worker threads start faster than the default child processes: measured here, 19-25 s against 30 s.
          pool: 'threads',
          testTimeout: 5_000,
          hookTimeout: 5_000,
        },
      },
      {
        extends: true,
        test: { name: 'integration', include: [INTEGRATION], testTimeout: 20_000, hookTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: [INFRA],
          globalSetup: ['test/support/build-lambda-bundles.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: { name: 'browser', include: [BROWSER], testTimeout: 60_000, hookTimeout: 60_000 },
      },
    ],
  },
});
