/**
 * What `wechat-component-aws/token` adds to a consumer's Lambda: a handler that builds both readers, bundled with
 * esbuild (minified CJS for node24, the AWS SDK inside so that it counts), next to a baseline handler that only
 * constructs the SDK clients the readers use. The ratio is the reader's own weight; it must carry no CDK, no schema
 * library and no sign-in code.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { LAMBDA_BUILD_OPTIONS } from '../scripts/lambda-build-options';
import { formatTable } from './report';

export interface ReaderBundleResult {
  readerBytes: number;
  readerGzipBytes: number;
  baselineBytes: number;
  baselineGzipBytes: number;
  sizeOverBaseline: number;
  gzipOverBaseline: number;
  /** Packages and folders in the reader bundle that a reader must not carry (CDK, zod, Powertools, sign-in code); none expected. */
  unexpected: string[];
}

const UNEXPECTED = /node_modules\/(aws-cdk-lib|constructs|zod|@aws-lambda-powertools|jose|fast-xml-parser)\/|(shared\/h5-oauth)\//;

export async function measureReaderBundle(options: { rootDir: string; outDir: string }): Promise<ReaderBundleResult> {
  const dir = path.join(options.outDir, 'reader-bundle');
  await mkdir(dir, { recursive: true });
  const reader = path.join(dir, 'reader-handler.ts');
  const baseline = path.join(dir, 'sdk-clients-handler.ts');
  await writeFile(
    reader,
    [
      '// Written by bench/reader-bundle.ts: a consumer Lambda with both token readers.',
      `import { createAuthorizerTokenReaderFromEnv, createComponentTokenReaderFromEnv } from '${path.join(options.rootDir, 'package/token.ts')}';`,
      'const component = createComponentTokenReaderFromEnv();',
      'const authorizers = createAuthorizerTokenReaderFromEnv();',
      'export const handler = async (event: { appid: string }) => [await component.getComponentAccessToken(), await authorizers.getAuthorizerAccessToken(event.appid)].length;',
      '',
    ].join('\n'),
  );
  await writeFile(
    baseline,
    [
      '// Written by bench/reader-bundle.ts: only the SDK clients the readers use.',
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { KMSClient } from '@aws-sdk/client-kms';",
      "import { LambdaClient } from '@aws-sdk/client-lambda';",
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
      'const clients = [DynamoDBDocumentClient.from(new DynamoDBClient({})), new KMSClient({}), new LambdaClient({})];',
      'export const handler = async () => clients.length;',
      '',
    ].join('\n'),
  );
  const bundle = async (entry: string) => {
    const outfile = entry.replace(/\.ts$/, '.cjs');
    // As the construct's own bundles, source maps aside; the SDK from this repository's node_modules, as a consumer's install.
    const { metafile } = await build({
      ...LAMBDA_BUILD_OPTIONS,
      sourcemap: false,
      metafile: true,
      entryPoints: [entry],
      outfile,
      nodePaths: [path.join(options.rootDir, 'node_modules')],
    });
    const code = await readFile(outfile);
    return { bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length, inputs: Object.keys(metafile.inputs) };
  };
  const r = await bundle(reader);
  const b = await bundle(baseline);
  return {
    readerBytes: r.bytes,
    readerGzipBytes: r.gzipBytes,
    baselineBytes: b.bytes,
    baselineGzipBytes: b.gzipBytes,
    sizeOverBaseline: r.bytes / b.bytes,
    gzipOverBaseline: r.gzipBytes / b.gzipBytes,
    unexpected: [...new Set(r.inputs.flatMap((input) => UNEXPECTED.exec(input)?.slice(1).filter(Boolean) ?? []))] as string[],
  };
}

export function formatReaderBundle(result: ReaderBundleResult): string {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  return [
    'Consumer Lambda with wechat-component-aws/token (both readers; esbuild, minified cjs node24, AWS SDK inside)',
    formatTable(
      ['bundle', 'size', 'gzip'],
      [
        ['SDK clients only (DynamoDB + document client, KMS, Lambda)', kib(result.baselineBytes), kib(result.baselineGzipBytes)],
        ['token readers', kib(result.readerBytes), kib(result.readerGzipBytes)],
        ['readers / SDK clients', `${result.sizeOverBaseline.toFixed(3)}x`, `${result.gzipOverBaseline.toFixed(3)}x`],
      ],
    ),
    result.unexpected.length === 0
      ? 'No CDK, schema library, Powertools or sign-in code in the readers’ bundle.'
      : `Unexpected in the readers' bundle: ${result.unexpected.join(', ')}`,
  ].join('\n');
}
