import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_ENCODING_AES_KEY } from '../../../local/wechat-sim/defaults';
import { POWERTOOLS_OUTPUT_ON } from '../../support/captured-output';

const tsx = 'node_modules/.bin/tsx';

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

interface Health {
  status: string;
  ticket: { createTime: number };
  componentToken: { expiresAt: string };
  authorizers: { active: number; revoked: number; needsReauth: number; tokensValid: number };
}

interface SimStats {
  calls: Record<string, number>;
  pushes: { acked: number };
}

/** The accounts of the startup lines `[authorize] wx…: authorized, token valid until <a time to come>`. */
function authorizedLines(output: string): string[] {
  return [...output.matchAll(/\[authorize\] (wx[0-9A-Za-z]{16}): authorized, token valid until (\S+)\n/g)]
    .filter((match) => new Date(match[2]!).getTime() > Date.now())
    .map((match) => match[1]!);
}

function startMain(env: Record<string, string>): Run {
  // Its logs on, as `npm start` has them: the output is only read, and the secret checks must see every line.
  const childEnv = { ...process.env, ...POWERTOOLS_OUTPUT_ON, PORT: '0', SIM_PORT: '0', ...env };
  const child = spawn(tsx, ['local/runtime/main.ts'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function waitFor(run: Run, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = run.output().match(pattern);
    if (match) return match;
    if (Date.now() > deadline || run.child.exitCode !== null) throw new Error(`did not see ${pattern}; output:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits for "ready", reads /healthz and the simulator's stats, then stops the run with Ctrl-C. */
async function readyThenStop(run: Run): Promise<{ health: Health; simStats: SimStats; code: number | null }> {
  await waitFor(run, /ready\. Ctrl-C stops everything/);
  const url = (await waitFor(run, /health\s+GET\s+(http:\/\/\S+)\/healthz/))[1];
  const simUrl = (await waitFor(run, /WeChat simulator\s+(http:\/\/\S+)/))[1];
  const health = (await (await fetch(`${url}/healthz`)).json()) as Health;
  const simStats = (await (await fetch(`${simUrl}/__sim/stats`)).json()) as SimStats;
  run.child.kill('SIGINT');
  return { health, simStats, code: await run.exited };
}

describe('npm start (local/runtime/main.ts)', () => {
  let run: Run | undefined;
  afterEach(() => {
    if (run?.child.exitCode === null) run.child.kill('SIGKILL');
  });

  it('starts everything, runs the token life cycle, serves /healthz and stops cleanly on Ctrl-C', async () => {
    run = startMain({});

    const { health, simStats, code } = await readyThenStop(run);

    expect(health.status).toBe('ok');
    expect(health.ticket.createTime).toEqual(expect.any(Number));
    expect(new Date(health.componentToken.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(run.output()).toMatch(/\[reader\] got component_access_token [0-9a-f]{12}…/);
    expect(run.output()).toContain('TEST values');
    expect(run.output()).toMatch(/authorizers\s+wx1111111111111111 \(simulated TEST official account\)/);
    // The account was authorized through the authorized push and the worker's api_query_auth, at startup.
    expect(authorizedLines(run.output())).toEqual(['wx1111111111111111']);
    expect(simStats.calls.api_query_auth).toBe(1);
    expect(health.authorizers).toEqual({ active: 1, revoked: 0, needsReauth: 0, tokensValid: 1 });
    expect(run.output()).toMatch(/\[schedule\] authorizer due sweep: 0 refreshes and 0 exchanges queued; authorizers active 1,/);
    expect(code).toBe(0);
  }, 40_000); // waitFor allows 20 s for a child that compiles and starts the whole system: about 2 s here

  it('authorizes every WECHAT_AUTHORIZER_APPIDS account at startup through the real path, one api_query_auth each', async () => {
    const accounts = ['wx2222222222222222', 'wx3333333333333333', 'wx4444444444444444'];
    run = startMain({ WECHAT_AUTHORIZER_APPIDS: accounts.join(',') });

    const { health, simStats } = await readyThenStop(run);

    expect(authorizedLines(run.output()).sort()).toEqual(accounts);
    expect(simStats.calls.api_query_auth).toBe(accounts.length);
    expect(simStats.pushes.acked).toBeGreaterThanOrEqual(1 + accounts.length);
    expect(health.authorizers).toEqual({ active: 3, revoked: 0, needsReauth: 0, tokensValid: 3 });
    expect(run.output()).toMatch(/authorizers\s+wx2222222222222222, wx3333333333333333, wx4444444444444444\n/);
  }, 40_000); // waitFor allows 20 s for a child that compiles and starts the whole system: about 3 s here

  it('rejects an EncodingAESKey that is not 43 characters, naming the variable and not the value', async () => {
    run = startMain({ WECHAT_COMPONENT_ENCODING_AES_KEY: 'tooShortAesKey' });

    const code = await run.exited;

    expect(code).toBe(1);
    expect(run.output()).toContain('WECHAT_COMPONENT_ENCODING_AES_KEY must be exactly 43 letters or digits');
    expect(run.output()).not.toContain('tooShortAesKey');
  });

  it('names every invalid variable at once', async () => {
    run = startMain({ WECHAT_COMPONENT_APPID: 'not-an-appid', PORT: 'eighty', SIM_TICKET_INTERVAL_S: '-5' });

    const code = await run.exited;

    expect(code).toBe(1);
    for (const name of ['WECHAT_COMPONENT_APPID', 'PORT', 'SIM_TICKET_INTERVAL_S']) expect(run.output()).toContain(name);
  });

  it('does not print secrets it was given instead of the test defaults', async () => {
    const aesKey = TEST_ENCODING_AES_KEY.split('').reverse().join('');
    run = startMain({ WECHAT_COMPONENT_APPSECRET: 'operator-supplied-secret-123', WECHAT_COMPONENT_ENCODING_AES_KEY: aesKey });

    await waitFor(run, /ready\. Ctrl-C stops everything/);
    run.child.kill('SIGINT');
    await run.exited;

    expect(run.output()).not.toContain('operator-supplied-secret-123');
    expect(run.output()).not.toContain(aesKey);
  }, 40_000); // waitFor allows 20 s for a child that compiles and starts the whole system: about 2 s here
});
