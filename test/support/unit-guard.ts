/**
 * Setup file of the `unit` project: a unit test that starts a server or a process fails at once, naming the rule,
 * instead of quietly making the unit run slow. Such a test belongs in `*.int.test.ts` (vitest.config.ts).
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { Server } from 'node:net';

const refuse = (what: string) => () => {
  throw new Error(`unit tests start no ${what}: name the test file *.int.test.ts to run it with the integration project`);
};

// http.Server and every local stand-in (dynalite, the simulator, the gateway) listen through net.Server.
Server.prototype.listen = refuse('servers') as typeof Server.prototype.listen;
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  (childProcess as unknown as Record<string, unknown>)[name] = refuse('child processes');
}
// `import { spawn } from 'node:child_process'` reads the ESM view of the module: bring it in line with the patch.
syncBuiltinESMExports();
