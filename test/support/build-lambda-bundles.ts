/**
 * vitest globalSetup of the CDK tests: the construct deploys the handler bundles `npm run build` makes, so they are
 * built once per run, before any stack, and only when a source changed since the last build (a hash in dist/).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/build-package.ts', '--lambdas-only'], {
    cwd: root,
    // Quiet when fresh; esbuild's warnings and errors still reach the terminal.
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
