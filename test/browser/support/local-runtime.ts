/**
 * `npm start` as a child process for browser tests: the whole local system (HTTP API, h5-oauth, demo page and
 * the WeChat simulator) on free ports, with the URLs read from the banner it prints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { POWERTOOLS_OUTPUT_ON } from '../../support/captured-output';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A running `local/runtime/main.ts`. */
export interface LocalRuntime {
  /** Origin of the HTTP API, which serves the demo page at `/`. */
  url: string;
  /** Origin of the WeChat simulator (consent pages, /__sim endpoints). */
  simUrl: string;
  /** The first authorizer appid the banner lists: the one the demo page signs in to. */
  authorizerAppid: string;
  /** Everything the process printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Ctrl-C, then SIGKILL if it has not exited within `graceMs`. Safe to call more than once. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts the local runtime on PORT=0 and SIM_PORT=0 and resolves once it prints "ready". The child gets none of the
 * caller's WECHAT_*, OAUTH_* or SIM_* variables, so it runs on the built-in TEST defaults whatever the shell holds,
 * plus the test's own `env`.
 */
export async function startLocalRuntime(options: { readyTimeoutMs?: number; env?: Record<string, string> } = {}): Promise<LocalRuntime> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(WECHAT_|OAUTH_|SIM_)/.test(name)) env[name] = value;
  }
  // `node --import tsx` rather than the tsx CLI: one process, so a SIGKILL on timeout leaves no orphaned grandchild.
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/runtime/main.ts'], {
    cwd: REPO_ROOT,
    // Its logs on, as `npm start` has them: the output is only read, and the secret checks must see every line.
    env: { ...env, ...POWERTOOLS_OUTPUT_ON, ...options.env, PORT: '0', SIM_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const stop = (graceMs = 5_000) => stopChild(child, exited, graceMs);

  try {
    await waitForOutput(child, () => text, /ready\. Ctrl-C stops everything/, options.readyTimeoutMs ?? 45_000);
    return {
      url: banner(text, /h5-oauth demo\s+GET\s+(http:\/\/\S+?)\/\s/),
      simUrl: banner(text, /WeChat simulator\s+(http:\/\/\S+)/),
      authorizerAppid: banner(text, /authorizers\s+(wx[0-9A-Za-z]{16})/),
      output: () => text,
      stop,
    };
  } catch (err) {
    await stop(0);
    throw err;
  }
}

async function waitForOutput(child: ChildProcess, output: () => string, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(output())) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the local runtime exited before it was ready; output:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`the local runtime was not ready within ${timeoutMs} ms; output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function banner(text: string, pattern: RegExp): string {
  const value = text.match(pattern)?.[1];
  if (!value) throw new Error(`the local runtime's banner has no match for ${pattern}; output:\n${text}`);
  return value;
}

async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(graceMs > 0 ? 'SIGINT' : 'SIGKILL');
  const inTime = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
  ]);
  if (!inTime) {
    child.kill('SIGKILL');
    await exited;
  }
}
