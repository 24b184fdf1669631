/**
 * The package as another team uses it: `npm pack`, a fresh CDK app outside the repository that installs the tarball
 * (offline, from the npm cache), the README's stack and Lambda (test/consumer-app) compiled with the consumer's own
 * TypeScript settings, and `cdk synth` with cdk-nag, as the consumer runs it.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerLockfile, type Lockfile } from './consumer-lockfile';
import { actionsByPartition, actionsOf, type PolicyStatement, roleStatements } from './stacks';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
/** What a consumer installs next to the package: the CDK, its CLI, cdk-nag, and what builds their own Lambda. */
const APP_DEPENDENCIES = ['aws-cdk-lib', 'constructs', 'aws-cdk', 'cdk-nag', 'esbuild', 'typescript', '@types/node'];
const APPID = 'wx1234567890abcdef';
/** npm pack, a cold offline install and two syntheses on a shared 2-core machine. */
const TIMEOUT_MS = 240_000;

interface Packed {
  name: string;
  version: string;
  filename: string;
  integrity: string;
  size: number;
  files: Array<{ path: string }>;
}

/** Runs a command; a failure carries the end of its output, where npm and cdk say what went wrong. */
async function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed in ${cwd}:\n${`${stdout}\n${stderr}`.trim().slice(-4000)}`);
  }
}

/** `npm ci --offline`, turning a cache miss into what to do about it. */
async function installOffline(app: string): Promise<void> {
  try {
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
  } catch (err) {
    const message = (err as Error).message;
    const missing = /request to (\S+) failed: cache mode is 'only-if-cached'|ENOTCACHED.*?(\S+\.tgz)/s.exec(message);
    if (!missing) throw err;
    throw new Error(
      `The npm cache has no copy of ${missing[1] ?? missing[2]}, which the consumer app installs (this test never goes to the network). ` +
        'Run `npm ci` in the repository with the registry reachable, which caches every locked package, then run the test again.',
    );
  }
}

let app: string;
let packed: Packed;
let template: Template;

beforeAll(async () => {
  app = mkdtempSync(path.join(os.tmpdir(), 'wechat-consumer-app-'));
  // prepack builds dist/ (a no-op when it is up to date), as it does for any `npm pack` or `npm publish`.
  packed = (JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', app], ROOT)) as Packed[])[0]!;
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
  };
  const { lockfile, dependencies } = consumerLockfile({
    repoLock: JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile,
    appName: 'consumer-app',
    dependencies: APP_DEPENDENCIES,
    tarball: {
      name: packed.name,
      version: packed.version,
      resolved: `file:${packed.filename}`,
      integrity: packed.integrity,
      dependencies: manifest.dependencies,
      peerDependencies: manifest.peerDependencies,
    },
  });
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'consumer-app', private: true, type: 'module', dependencies }, null, 2),
  );
  writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(lockfile, null, 2));
  cpSync(path.join(ROOT, 'test/consumer-app'), app, { recursive: true });
  await installOffline(app);
  await run(path.join(app, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], app);
}, TIMEOUT_MS);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
}, TIMEOUT_MS);

describe('the packed package in a fresh CDK app', { timeout: TIMEOUT_MS }, () => {
  it('ships the entry points and the prebuilt bundles, and no tests, simulator, local stand-ins or TypeScript sources', () => {
    const files = packed.files.map((f) => f.path);

    for (const required of ['dist/cdk.js', 'dist/cdk.d.ts', 'dist/token.js', 'dist/token.d.ts', 'LICENSE', 'CHANGELOG.md'])
      expect(files).toContain(required);
    for (const name of ['push-receiver', 'token-refresher', 'h5-oauth', 'authorizer-worker', 'authorization-page'])
      expect(files).toContain(`dist/lambda/${name}/index.js`);
    expect(
      files.filter((f) => /(^|\/)(test|local|bench|scripts|functions|shared|infra)\//.test(f) && !f.startsWith('dist/types/')),
    ).toEqual([]);
    expect(files.filter((f) => /\.test\.|wechat-sim|(?<!\.d)\.ts$/.test(f))).toEqual([]);
  });

  it('is the size the README states', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const stated = Number(/The tarball is about ([\d.]+) MB/.exec(readme)?.[1]);

    expect(Math.abs(packed.size / 1e6 - stated), `packed ${packed.size} bytes, README says ${stated} MB`).toBeLessThan(0.25);
  });

  it('synthesizes the construct alone with neither esbuild nor Docker', async () => {
    // Out of reach for this synthesis only: NodejsFunction would find esbuild in node_modules, else run Docker.
    const moved = ['esbuild', '@esbuild'].filter((dir) => existsSync(path.join(app, 'node_modules', dir)));
    const away = (dir: string) => path.join(app, `${dir.replace('@', 'at-')}-away`);
    for (const dir of moved) renameSync(path.join(app, 'node_modules', dir), away(dir));
    try {
      await run(
        path.join(app, 'node_modules/.bin/cdk'),
        ['synth', '--quiet', '--app', 'node dist/bin/construct-only.js', '-o', 'cdk.out.construct-only'],
        app,
        { CDK_DOCKER: path.join(app, 'no-docker') },
      );
    } finally {
      for (const dir of moved) renameSync(away(dir), path.join(app, 'node_modules', dir));
    }
    const synthesized = JSON.parse(readFileSync(path.join(app, 'cdk.out.construct-only/ConstructOnly.template.json'), 'utf8'));
    const functions = Object.values(synthesized.Resources as Record<string, { Type: string }>).filter(
      (r) => r.Type === 'AWS::Lambda::Function',
    );
    // The push receiver, the refresher, the authorizer worker and the authorization page (h5-oauth is off).
    expect(functions).toHaveLength(4);
  });

  it('synthesizes the README stack, with the consumer’s own Lambda, and cdk-nag finds nothing', async () => {
    await run(path.join(app, 'node_modules/.bin/cdk'), ['synth', '--quiet', '--app', 'node dist/bin/app.js', '-o', 'cdk.out'], app);
    template = Template.fromJSON(JSON.parse(readFileSync(path.join(app, 'cdk.out/ConsumerStack.template.json'), 'utf8')));

    // The construct's four and the consumer's reader.
    template.resourceCountIs('AWS::Lambda::Function', 5);
  });

  it('gives the consumer’s role GetItem on the token partition only and kms:Decrypt with the token purpose', () => {
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.startsWith('TokenReader'));
    const statements = roleStatements(template, roleId!);

    expect(actionsByPartition(statements)).toEqual({ [`TOKEN#${APPID}`]: ['dynamodb:GetItem'] });
    const decrypts = statements.filter((s) => actionsOf(s).includes('kms:Decrypt'));
    const purposes = decrypts.map((s: PolicyStatement) => s.Condition?.StringEquals?.['kms:EncryptionContext:purpose']).filter(Boolean);
    expect(purposes).toEqual([['component_access_token']]);
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('secretsmanager:') || a === 'kms:Encrypt')).toEqual([]);
  });

  it('bundles the reader into the consumer’s Lambda without the CDK, zod or sign-in code', () => {
    const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('TokenReader'))!;
    const asset = (fn as { Metadata: Record<string, string> }).Metadata['aws:asset:path']!;
    const code = readFileSync(path.join(app, 'cdk.out', asset, 'index.js'), 'utf8');

    expect(code).toContain('WECHAT_REFRESHER_FUNCTION');
    expect(code).not.toMatch(/aws-cdk-lib|ZodError|h5-oauth|H5OAuth/);
  });
});
