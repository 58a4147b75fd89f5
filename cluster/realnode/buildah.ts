// Where buildah keeps its files for the real node's images: storage under the cache, and a
// containers.conf of our own (CONTAINERS_CONF) whose network config folder is in the cache too, since
// every buildah command (`from`, `rm`, `bud`) would otherwise make /etc/cni/net.d/cni.lock on the host.

import { mkdirSync, writeFileSync } from 'node:fs';
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
