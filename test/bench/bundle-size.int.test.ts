import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleSizeResult, measureBundles } from '../../bench/bundle-size';

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** npm run bench's bundle section: every handler bundled and loaded in a fresh process with the placeholder env. */
describe('the bench bundles', () => {
  let outDir: string;
  let result: BundleSizeResult;
  beforeAll(async () => {
    // Inside the checkout: esbuild resolves the baseline entry's packages from node_modules above it.
    await mkdir(path.join(ROOT_DIR, 'test-output'), { recursive: true });
    outDir = await mkdtemp(path.join(ROOT_DIR, 'test-output', 'bench-bundles-'));
    result = await measureBundles({ rootDir: ROOT_DIR, outDir, pairs: 1 });
  }, 120_000);
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('bundles every function of functions/', async () => {
    const functions = await readdir(path.join(ROOT_DIR, 'functions'));

    expect(result.bundles.map((bundle) => bundle.name).sort()).toEqual(functions.sort());
  });

  it('loads every bundle: the placeholder env holds every setting a handler reads at load', () => {
    expect(result.bundles.filter((bundle) => bundle.loadError).map((bundle) => `${bundle.name}: ${bundle.loadError}`)).toEqual([]);
  });
});
