/**
 * `npm run build` (also `prepare` and `prepack`): everything the npm package ships, into dist/.
 *
 * - dist/lambda/<handler>/index.js (+ .map): each handler bundled as the construct deploys it, so that `cdk synth`
 *   needs neither esbuild nor Docker, here or in a consumer's app;
 * - dist/cdk.js, dist/token.js: the two entry points as ES modules, dependencies left to the consumer's install;
 * - dist/cdk.d.ts, dist/token.d.ts: their declarations, from tsc (tsconfig.build.json) into dist/types/, with every
 *   relative import given the `.js` path that Node16/NodeNext resolution requires of an ES module package.
 *
 * Skips the work when dist/ was built from the same sources (a hash in dist/build-hash); `--force` rebuilds.
 * `--lambdas-only` builds the handler bundles alone, which is all the CDK tests need. Progress goes to stderr, so that
 * `npm pack --json` prints JSON only.
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { HANDLER_NAMES } from '../infra/component/lambda-bundle';
import { LAMBDA_BUILD_OPTIONS } from './lambda-build-options';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');

/** What the bundles are made of: a change to any of these makes dist/ stale. */
const SOURCES = ['functions', 'shared', 'infra', 'package', 'scripts', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

const ENTRY_POINTS = ['cdk', 'token'] as const;

/** Hash of every file under SOURCES, names included, so that an added or removed file counts too. */
export function sourceHash(lambdasOnly: boolean): string {
  const hash = createHash('sha256').update(lambdasOnly ? 'lambdas' : 'all');
  const visit = (relative: string): void => {
    const full = path.join(ROOT, relative);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const entry of readdirSync(full).sort()) visit(path.join(relative, entry));
      return;
    }
    hash.update(relative).update('\0').update(readFileSync(full)).update('\0');
  };
  for (const source of SOURCES) visit(source);
  return hash.digest('hex');
}

const stampFile = (lambdasOnly: boolean) => path.join(DIST, lambdasOnly ? 'lambda/build-hash' : 'build-hash');

/** The handler bundles: exactly what NodejsFunction made of them before (minified CJS for node24, source maps, SDK inside). */
async function buildLambdas(): Promise<void> {
  rmSync(path.join(DIST, 'lambda'), { recursive: true, force: true });
  await Promise.all(
    HANDLER_NAMES.map((name) =>
      build({
        ...LAMBDA_BUILD_OPTIONS,
        entryPoints: [path.join(ROOT, 'functions', name, 'handler.ts')],
        outfile: path.join(DIST, 'lambda', name, 'index.js'),
      }),
    ),
  );
  // Lambda reads index.js as CommonJS (the asset has no package.json); so does Node when loading it from dist/.
  writeFileSync(path.join(DIST, 'lambda', 'package.json'), '{ "type": "commonjs" }\n');
}

/** The entry points as ES modules; every package stays an import, resolved from the consumer's node_modules. */
async function buildEntryPoints(): Promise<void> {
  await build({
    entryPoints: Object.fromEntries(ENTRY_POINTS.map((name) => [name, path.join(ROOT, 'package', `${name}.ts`)])),
    outdir: DIST,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  const types = path.join(DIST, 'types');
  rmSync(types, { recursive: true, force: true });
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  for (const file of declarationFiles(types)) writeFileSync(file, withJsExtensions(file, readFileSync(file, 'utf8')));
  for (const name of ENTRY_POINTS) writeFileSync(path.join(DIST, `${name}.d.ts`), `export * from './types/package/${name}.js';\n`);
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f));
}

/** `from './x'` becomes `from './x.js'` (or `'./x/index.js'`): tsc keeps the extensionless paths our sources use. */
function withJsExtensions(file: string, text: string): string {
  return text.replace(
    /(\bfrom\s+|\bimport\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\2/g,
    (whole, before: string, quote: string, specifier: string) => {
      const target = path.resolve(path.dirname(file), specifier);
      if (existsSync(`${target}.d.ts`)) return `${before}${quote}${specifier}.js${quote}`;
      if (existsSync(path.join(target, 'index.d.ts'))) return `${before}${quote}${specifier}/index.js${quote}`;
      return whole;
    },
  );
}

async function main(): Promise<void> {
  const lambdasOnly = process.argv.includes('--lambdas-only');
  const hash = sourceHash(lambdasOnly);
  if (!process.argv.includes('--force') && existsSync(stampFile(lambdasOnly)) && readFileSync(stampFile(lambdasOnly), 'utf8') === hash) {
    process.stderr.write('build: dist/ is up to date\n');
    return;
  }
  const started = performance.now();
  await buildLambdas();
  writeFileSync(stampFile(true), sourceHash(true));
  if (!lambdasOnly) {
    await buildEntryPoints();
    writeFileSync(stampFile(false), hash);
  }
  process.stderr.write(
    `build: ${lambdasOnly ? 'Lambda bundles' : 'dist/'} built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

await main();
