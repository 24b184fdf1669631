import type { BuildOptions } from 'esbuild';

/**
 * How each handler is bundled for Lambda: what NodejsFunction made of the construct's former bundling props (minified
 * CJS for node24, source maps without sources content, and the pinned AWS SDK inside rather than the runtime's copy).
 */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  external: [],
  logLevel: 'warning',
} as const satisfies BuildOptions;
