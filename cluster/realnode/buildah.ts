// Where buildah keeps its files for the real node's images: storage under the cache, and a
// containers.conf of our own (CONTAINERS_CONF) whose network config folder is in the cache too, since
// every buildah command (`from`, `rm`, `bud`) would otherwise make /etc/cni/net.d/cni.lock on the host;
// and the one file no flag moves, containers/image's blob-info cache, removed after the builds.

import { existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../binaries.ts';

export const buildahDir = (): string => join(cacheRoot(), 'buildah');

/** The environment for every buildah command: the caller's, with CONTAINERS_CONF set. */
export function buildahEnv(): NodeJS.ProcessEnv {
  const dir = buildahDir();
  mkdirSync(join(dir, 'cni'), { recursive: true });
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, `# Written by cluster/realnode/buildah.ts.\n[network]\nnetwork_config_dir = ${JSON.stringify(join(dir, 'cni'))}\n`);
  return { ...process.env, CONTAINERS_CONF: conf };
}

/**
 * containers/image keeps a blob-info cache for root at /var/lib/containers/cache/blob-info-cache-v1.boltdb
 * (pkg/blobinfocache: systemBlobInfoCacheDir, moved only by SystemContext.BlobInfoCacheDir, which no
 * buildah flag or variable sets). When /var/lib/containers was not there before the builds, remove that
 * file and the two folders it made after them; anything else left in it stays for cluster:down to report.
 */
export async function leavingNoBlobInfoCache<T>(build: () => Promise<T>): Promise<T> {
  const root = '/var/lib/containers';
  if (existsSync(root)) return build();
  try {
    return await build();
  } finally {
    rmSync(join(root, 'cache', 'blob-info-cache-v1.boltdb'), { force: true });
    for (const d of [join(root, 'cache'), root]) {
      try {
        rmdirSync(d);
      } catch {
        // not empty, or not made: left for cluster:down's check of the host folders
      }
    }
  }
}
