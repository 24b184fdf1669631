import { readdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { CONSTRUCT_BUILD_OPTIONS, sdkClientPackages } from '../../bench/bundle-size';

/**
 * What each Lambda bundle may hold, read from esbuild's metafile with the options the construct bundles with: every
 * module a cold start parses counts, so a library that slipped back in fails here rather than in the bench.
 */
const FUNCTIONS_DIR = path.join(import.meta.dirname, '../../functions');

/** The SDK clients each function uses; a bundle holding any other client pays for it at every cold start. */
const SDK_CLIENTS: Record<string, string[]> = {
  'authorization-page': ['dynamodb', 'kms', 'lambda', 'secrets-manager', 'sqs'],
  'authorizer-worker': ['dynamodb', 'kms', 'lambda', 'secrets-manager', 'sqs'],
  'h5-oauth': ['dynamodb', 'kms', 'lambda', 'secrets-manager'],
  'push-receiver': ['dynamodb', 'kms', 'secrets-manager', 'sqs'],
  'token-refresher': ['dynamodb', 'kms', 'secrets-manager'],
};

/** Modules kept out of every Lambda bundle, with what to use instead. */
const BANNED: { pattern: RegExp; instead: string }[] = [
  // Classic zod is about 444 KiB minified whatever is used of it, zod/mini still about 30 KiB and several ms of
  // schema building at load; valibot does the same checks in a few KiB.
  { pattern: /node_modules\/zod\//, instead: 'zod: validate with valibot, as shared/config does' },
];

/** Bytes in the output per input file, for the inputs that left any. */
async function bundledInputs(name: string) {
  const { metafile } = await build({
    ...CONSTRUCT_BUILD_OPTIONS,
    entryPoints: [path.join(FUNCTIONS_DIR, name, 'handler.ts')],
    outfile: path.join('/nonexistent', name, 'index.js'),
    write: false,
    metafile: true,
  });
  const inputs = Object.entries(metafile.outputs).flatMap(([, output]) =>
    Object.entries(output.inputs)
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => input),
  );
  return { metafile, inputs };
}

const handlers = readdirSync(FUNCTIONS_DIR).sort();

describe('Lambda bundles', () => {
  it('cover every function', () => {
    expect(handlers).toEqual(Object.keys(SDK_CLIENTS).sort());
  });

  it.each(handlers)('%s holds no banned module and exactly the SDK clients it uses', async (name) => {
    const { metafile, inputs } = await bundledInputs(name);

    const banned = BANNED.filter(({ pattern }) => inputs.some((input) => pattern.test(input))).map(({ instead }) => instead);
    expect(banned).toEqual([]);
    expect(sdkClientPackages(metafile)).toEqual((SDK_CLIENTS[name] ?? []).map((client) => `@aws-sdk/client-${client}`));
  });
});
