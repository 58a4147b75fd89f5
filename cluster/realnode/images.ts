// The real node's images: built here (the sidecars and the pause image by sidecar-images.ts,
// hahaha's own from the Dockerfile by hahaha-image.ts) and imported into the node's containerd
// under their fully qualified names. Nothing is ever pulled: containerd has no registry it may
// reach, and pods on the real node use imagePullPolicy: Never.

import { statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { leavingNoBlobInfoCache } from './buildah.ts';
import { lines, must } from './exec.ts';
import { hahahaImage } from './hahaha-image.ts';
import { type RealNodePaths } from './layout.ts';
import { sidecarImages, type ImageArchive } from './sidecar-images.ts';

export type { ImageArchive };

/** Every image the real node needs, built when missing (cached by their inputs). */
export async function realNodeImages(say: (line: string) => void, o: { hahaha: boolean }): Promise<ImageArchive[]> {
  return leavingNoBlobInfoCache(async () => {
    const sidecars = await sidecarImages(say);
    return o.hahaha ? [...sidecars, await hahahaImage(say)] : sidecars;
  });
}

/** Import the archives containerd does not hold yet; imported.json says which archive each ref came from. */
export async function importImages(r: RealNodePaths, images: readonly ImageArchive[], say: (line: string) => void): Promise<void> {
  const ctr = (args: readonly string[], timeoutMs = 30_000): Promise<string> => must('ctr', ['--address', r.containerdSocket, '--timeout', '60s', '-n', 'k8s.io', ...args], { timeoutMs });
  const have = new Set(lines(await ctr(['images', 'ls', '-q'])));
  const done = JSON.parse(await readFile(r.imported, 'utf8').catch(() => '{}')) as Record<string, string>;
  const t0 = performance.now();
  let n = 0;
  for (const img of images) {
    const stamp = `${img.archive}:${statSync(img.archive).size}:${statSync(img.archive).mtimeMs}`;
    if (have.has(img.ref) && done[img.ref] === stamp) continue;
    await ctr(['images', 'import', img.archive], 180_000);
    if (!lines(await ctr(['images', 'ls', '-q'])).includes(img.ref)) throw new Error(`ctr images import ${img.archive} did not give an image named ${img.ref}`);
    done[img.ref] = stamp;
    await writeFile(r.imported, `${JSON.stringify(done, null, 2)}\n`);
    n++;
  }
  if (n) say(`real node: ${n} images imported into containerd (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
