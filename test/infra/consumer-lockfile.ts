/**
 * A package-lock.json for a fresh app, cut from this repository's own lockfile: the packages the app names and what
 * they need, at the versions and places our tree has them, plus the packed tarball of this package. `npm ci --offline`
 * then installs everything from the npm cache by locked tarball URL and integrity, needing none of the registry's
 * metadata documents, which `npm ci` never caches.
 */
interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [field: string]: unknown;
}

export interface Lockfile {
  name: string;
  lockfileVersion: 3;
  requires: true;
  packages: Record<string, LockEntry>;
}

/** Where Node would find `name` from the package at `from` in a tree laid out as `packages` lists it. */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let dir = from; ; ) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (dir === '') return undefined;
    const parent = dir.lastIndexOf('/node_modules/');
    dir = parent === -1 ? '' : dir.slice(0, parent);
  }
}

export function consumerLockfile(input: {
  repoLock: Lockfile;
  appName: string;
  /** The app's registry dependencies; their versions are taken from the repository's lockfile. */
  dependencies: readonly string[];
  /** This package, packed: its manifest and the tarball's file: URL and integrity. */
  tarball: {
    name: string;
    version: string;
    resolved: string;
    integrity: string;
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
  };
}): { lockfile: Lockfile; dependencies: Record<string, string> } {
  const repo = input.repoLock.packages;
  const picked: Record<string, LockEntry> = {};
  const visit = (location: string): void => {
    if (picked[location]) return;
    const entry = repo[location];
    if (!entry) throw new Error(`the repository's lockfile has no ${location}`);
    // Dev-only here, but the app's own dependencies there.
    const { dev: _dev, devOptional, ...kept } = entry;
    picked[location] = devOptional ? { ...kept, optional: true } : kept;
    const needs = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(needs)) {
      // An optional peer the repository does not install stays out here too.
      const found = resolveIn(repo, location, name);
      if (found) visit(found);
    }
  };
  const roots = [...input.dependencies, ...Object.keys(input.tarball.dependencies)];
  for (const name of roots) visit(`node_modules/${name}`);

  const dependencies: Record<string, string> = Object.fromEntries(
    input.dependencies.map((name) => [name, repo[`node_modules/${name}`]!.version!]),
  );
  dependencies[input.tarball.name] = input.tarball.resolved;
  const { tarball } = input;
  picked[`node_modules/${tarball.name}`] = {
    version: tarball.version,
    resolved: tarball.resolved,
    integrity: tarball.integrity,
    dependencies: tarball.dependencies,
    peerDependencies: tarball.peerDependencies,
  };
  return {
    lockfile: {
      name: input.appName,
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: input.appName, dependencies }, ...picked },
    },
    dependencies,
  };
}
