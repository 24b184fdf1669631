import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The handlers the construct deploys, each from its prebuilt bundle. */
export const HANDLER_NAMES = ['push-receiver', 'token-refresher', 'h5-oauth', 'authorizer-worker', 'authorization-page'] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

/**
 * The package's root: the nearest folder above this module with our package.json. The module runs from infra/ in a
 * clone and from dist/ in an installed package, so the depth differs.
 */
function packageRoot(): string {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'wechat-component-aws')
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`wechat-component-aws: no package.json of the package above ${import.meta.dirname}`);
  }
}

/**
 * The folder of a handler's bundle (index.js and its source map), built by `npm run build` and shipped in the npm
 * package: the construct deploys it as it is, so synthesizing needs neither esbuild nor Docker.
 */
export function lambdaBundleDir(name: HandlerName): string {
  const dir = path.join(packageRoot(), 'dist', 'lambda', name);
  if (!existsSync(path.join(dir, 'index.js'))) {
    throw new Error(
      `wechat-component-aws: the Lambda bundle ${path.join(dir, 'index.js')} is missing. In a clone of the repository, run \`npm run build\` first; an installed package ships it (reinstall it).`,
    );
  }
  return dir;
}
