// cluster/realnode/sidecar-images.ts: the sidecar images of the real-node cluster. Owns the
// stand-in binary (Go module cluster/realnode/sidecars/standin), the cloud-sql-proxy build,
// and the assembly of every sidecar image, plus the pod sandbox (pause) image, with buildah
// from `scratch`: nothing is pulled, every file is copied in, no RUN step. Each image gets
// Debian's busybox-static as /bin/busybox with sh, kill, killall, sleep and true links (the
// busybox image: every applet), so that exec shutdown actions work in it, and a minimal /etc
// (passwd, group, hosts) and /tmp. Products are OCI archives (`buildah push ... oci-archive:`) that
// `ctr -n k8s.io images import` takes; each image's ref is the name inside its archive.
//
// Cache, under ${HAHAHA_CACHE:-$HOME/.cache/hahaha}:
//   bin/sidecars/standin-<sources hash>/standin, bin/sidecars/cloud-sql-proxy-<version>/...
//   images/<name>-<tag>-<inputs hash>.oci.tar (+ .json): the inputs hash covers the image's
//     recipe, its binaries' keys (stand-in sources, pinned versions) and the busybox binary, so a
//     warm run only checks that files exist, and any change rebuilds that image alone.
//   buildah/root, buildah/runroot, buildah/tmp: buildah's storage, shared with the hahaha image
//     build (buildah locks it); images are removed from it once their archive is written.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { cacheRoot } from '../binaries.ts';
import { REPO } from '../layout.ts';
import { buildahEnv } from './buildah.ts';

// github.com/GoogleCloudPlatform/cloud-sql-proxy/v2, built with `go install` from the Go module
// proxy. v2.27.0 is the newest v2 release whose whole module graph the proxy serves: v2.28.0
// needs google.golang.org/genproto v0.0.0-20261110000943-09e21b237f2c, whose zip the proxy
// refuses (403). See `go list -m -versions github.com/GoogleCloudPlatform/cloud-sql-proxy/v2`.
export const CLOUD_SQL_PROXY_VERSION = 'v2.27.0';

// github.com/jimmidyson/configmap-reload: the Go module proxy serves no version of it (403 "This
// module version is not available" for the list and for every tag), so the image runs the
// stand-in's configmap-reload mode, which follows this release's configmap-reload.go.
export const CONFIGMAP_RELOAD_VERSION = 'v0.15.0';

export interface ImageArchive {
  readonly ref: string;
  readonly archive: string;
}

export const STANDIN_SRC = join(REPO, 'cluster', 'realnode', 'sidecars', 'standin');
const BUSYBOX = '/bin/busybox';
/** The busybox applets linked in /bin of every image; the busybox image gets all of them. */
const BUSYBOX_LINKS = ['sh', 'kill', 'killall', 'sleep', 'true'];
const NONROOT = '65532:65532';

/** What one image is made of. `binary` files are copied from a built binary, by key. */
interface Spec {
  readonly name: string; // repository without the registry, also the archive's file name stem
  readonly ref: string;
  readonly files: readonly { readonly path: string; readonly binary: 'standin' | 'cloud-sql-proxy' }[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly user: string;
  readonly description: string;
  /** Link every busybox applet into /bin, not only BUSYBOX_LINKS. */
  readonly allApplets?: boolean;
}

const REGISTRY = 'hahaha.local/realnode';

/** The refs, by role, for pod specs (tests use them with imagePullPolicy: Never). */
export const REAL_NODE_IMAGES = {
  linkerdProxy: `${REGISTRY}/linkerd/proxy:standin`,
  pilotAgent: `${REGISTRY}/istio/proxyv2:standin`,
  vaultAgent: `${REGISTRY}/vault:standin`,
  cloudSqlProxy: `${REGISTRY}/cloud-sql-proxy:${CLOUD_SQL_PROXY_VERSION.replace(/^v/, '')}`,
  configmapReload: `${REGISTRY}/configmap-reload:standin`,
  /** busybox-static with every applet in /bin; its entrypoint, `sleep 3600`, is the deaf sidecar. */
  busybox: `${REGISTRY}/deaf:busybox`,
  pause: `${REGISTRY}/pause:3.10`,
} as const;

const SPECS: readonly Spec[] = [
  {
    name: 'linkerd-proxy',
    ref: REAL_NODE_IMAGES.linkerdProxy,
    files: [{ path: '/usr/lib/linkerd/linkerd2-proxy', binary: 'standin' }],
    entrypoint: ['/usr/lib/linkerd/linkerd2-proxy'],
    cmd: [],
    user: NONROOT,
    description: 'stand-in for linkerd2-proxy: admin server :4191, POST /shutdown (LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED=true), SIGTERM exits 0',
  },
  {
    name: 'istio-proxyv2',
    ref: REAL_NODE_IMAGES.pilotAgent,
    files: [{ path: '/usr/local/bin/pilot-agent', binary: 'standin' }],
    entrypoint: ['/usr/local/bin/pilot-agent'],
    cmd: ['proxy', 'sidecar'],
    user: NONROOT,
    description: 'stand-in for pilot-agent: status port :15020, POST /quitquitquit exits at once, SIGTERM drains terminationDrainDuration then exits 0',
  },
  {
    name: 'vault',
    ref: REAL_NODE_IMAGES.vaultAgent,
    files: [{ path: '/bin/vault', binary: 'standin' }],
    entrypoint: ['/bin/vault'],
    cmd: ['agent'],
    user: NONROOT,
    description: 'stand-in for vault agent: 127.0.0.1:8200, POST /agent/v1/quit (agent_api enable_quit on), SIGTERM exits 0',
  },
  {
    name: 'cloud-sql-proxy',
    ref: REAL_NODE_IMAGES.cloudSqlProxy,
    files: [{ path: '/cloud-sql-proxy', binary: 'cloud-sql-proxy' }],
    entrypoint: ['/cloud-sql-proxy'],
    cmd: [],
    user: NONROOT,
    description: `Cloud SQL Auth Proxy ${CLOUD_SQL_PROXY_VERSION} built from its Go module; give --port (or ?port=) so that it starts without reaching Google`,
  },
  {
    name: 'configmap-reload',
    ref: REAL_NODE_IMAGES.configmapReload,
    files: [{ path: '/configmap-reload', binary: 'standin' }],
    entrypoint: ['/configmap-reload'],
    cmd: [],
    user: NONROOT,
    description: `stand-in for jimmidyson/configmap-reload ${CONFIGMAP_RELOAD_VERSION} (module not served by the Go module proxy): same flags, no signal handler, /bin/killall configmap-reload ends it`,
  },
  {
    name: 'deaf',
    ref: REAL_NODE_IMAGES.busybox,
    files: [],
    entrypoint: ['/bin/sleep', '3600'],
    cmd: [],
    user: NONROOT,
    description: 'busybox-static, every applet in /bin; as entrypoint, PID 1 without SIGINT/SIGTERM handlers (busybox sleep): the kernel drops those signals, only SIGKILL ends it',
    allApplets: true,
  },
  {
    name: 'pause',
    ref: REAL_NODE_IMAGES.pause,
    files: [{ path: '/pause', binary: 'standin' }],
    entrypoint: ['/pause'],
    cmd: [],
    user: '65535:65535',
    description: "pod sandbox: the stand-in's pause mode (kubernetes build/pause/linux/pause.c: exits 0 on SIGINT/SIGTERM, reaps children)",
  },
];

// --- running commands --------------------------------------------------------------------------

const TAIL = 4000;

interface RunOptions {
  readonly step: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
}

/**
 * Run a command (argument array, no shell) in its own process group; resolves with its stdout.
 * On a non-zero exit, a signal or the time limit, rejects with an error naming the step and
 * carrying the tail of stderr. On the time limit the whole group (the command and whatever it
 * started) gets SIGKILL.
 */
function run(cmd: string, args: readonly string[], o: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString('utf8')).slice(-TAIL);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, o.timeoutMs);
    const fail = (why: string): Error => {
      const stdout = Buffer.concat(out).toString('utf8').slice(-TAIL).trim();
      const tail = err.trim() || stdout;
      return new Error(`sidecar images: ${o.step} failed: ${cmd} ${args.join(' ')} ${why}${tail ? `\n--- last output ---\n${tail}` : ''}`);
    };
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(fail(`could not start (${e.message})`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(fail(`ran past its time limit of ${Math.round(o.timeoutMs / 1000)} s and was killed`));
      else if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(fail(signal ? `was ended by ${signal}` : `exited with status ${code}`));
    });
  });
}

// --- inputs ------------------------------------------------------------------------------------

function sha(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/** go.mod, go.sum and the non-test .go files of the stand-in module. */
function standinHash(): string {
  const files = readdirSync(STANDIN_SRC)
    .filter((f) => f === 'go.mod' || f === 'go.sum' || (f.endsWith('.go') && !f.endsWith('_test.go')))
    .sort();
  if (!files.includes('go.mod')) throw new Error(`sidecar images: ${relative(REPO, STANDIN_SRC)}/go.mod is missing`);
  return sha(...files.flatMap((f) => [f, readFileSync(join(STANDIN_SRC, f))]));
}

/** Throws unless `path` is an ELF executable without a program interpreter (static). */
function assertStatic(path: string, what: string): void {
  const fd = openSync(path, 'r');
  try {
    const hdr = Buffer.alloc(64);
    readSync(fd, hdr, 0, 64, 0);
    if (hdr.readUInt32BE(0) !== 0x7f454c46 || hdr[4] !== 2) throw new Error(`sidecar images: ${what} (${path}) is not a 64-bit ELF executable`);
    const phoff = Number(hdr.readBigUInt64LE(0x20));
    const phentsize = hdr.readUInt16LE(0x36);
    const phnum = hdr.readUInt16LE(0x38);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) {
      if (ph.readUInt32LE(i * phentsize) === 3 /* PT_INTERP */) {
        throw new Error(`sidecar images: ${what} (${path}) is dynamically linked; a scratch image needs a static binary`);
      }
    }
  } finally {
    closeSync(fd);
  }
}

function goBinary(): string {
  if (process.env.GO) return process.env.GO;
  for (const d of (process.env.PATH ?? '').split(':')) if (d && existsSync(join(d, 'go'))) return join(d, 'go');
  return '/usr/local/go/bin/go';
}

const goEnv = (): NodeJS.ProcessEnv => ({ ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOWORK: 'off', GOFLAGS: '-buildvcs=false' });

// --- binaries ----------------------------------------------------------------------------------

interface Binary {
  readonly key: string;
  readonly path: string;
}

async function buildInto(dir: string, file: string, log: (line: string) => void, what: string, build: (tmp: string) => Promise<void>): Promise<string> {
  const bin = join(dir, file);
  if (existsSync(bin)) return bin;
  await mkdir(join(dir, '..'), { recursive: true });
  const tmp = await mkdtemp(join(dir, '..', `.tmp-${file}-`));
  const t0 = Date.now();
  log(`[sidecar-images] building ${what}...`);
  try {
    await build(tmp);
    assertStatic(join(tmp, file), what);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  log(`[sidecar-images] built ${what} in ${((Date.now() - t0) / 1000).toFixed(1)} s -> ${bin}`);
  return bin;
}

function standinBinary(cache: string): Binary {
  const key = `standin-${standinHash()}`;
  return { key, path: join(cache, 'bin', 'sidecars', key, 'standin') };
}

function cloudSqlProxyBinary(cache: string): Binary {
  const key = `cloud-sql-proxy-${CLOUD_SQL_PROXY_VERSION}`;
  return { key, path: join(cache, 'bin', 'sidecars', key, 'cloud-sql-proxy') };
}

async function ensureStandin(b: Binary, log: (line: string) => void): Promise<void> {
  await buildInto(join(b.path, '..'), 'standin', log, `the stand-in (${relative(REPO, STANDIN_SRC)}, ${b.key})`, async (tmp) => {
    await run(goBinary(), ['build', '-trimpath', '-ldflags', '-s -w', '-o', join(tmp, 'standin'), '.'], {
      step: 'build the stand-in binary',
      cwd: STANDIN_SRC,
      env: goEnv(),
      timeoutMs: 10 * 60_000,
    });
  });
}

async function ensureCloudSqlProxy(b: Binary, log: (line: string) => void): Promise<void> {
  const mod = `github.com/GoogleCloudPlatform/cloud-sql-proxy/v2@${CLOUD_SQL_PROXY_VERSION}`;
  await buildInto(join(b.path, '..'), 'cloud-sql-proxy', log, `cloud-sql-proxy (${mod})`, async (tmp) => {
    await run(goBinary(), ['install', '-trimpath', '-ldflags', '-s -w', mod], {
      step: `build cloud-sql-proxy ${CLOUD_SQL_PROXY_VERSION}`,
      cwd: tmp,
      env: { ...goEnv(), GOBIN: tmp },
      timeoutMs: 40 * 60_000,
    });
  });
}

// --- images ------------------------------------------------------------------------------------

function imageKey(spec: Spec, binaries: Readonly<Record<string, Binary>>, busyboxHash: string): string {
  const recipe = {
    // The code that lays out and assembles images: editing it rebuilds them.
    code: sha(stage.toString(), buildImage.toString()),
    ...spec,
    files: spec.files.map((f) => ({ path: f.path, binary: binaries[f.binary]?.key })),
    busybox: busyboxHash,
    links: BUSYBOX_LINKS,
  };
  return sha(JSON.stringify(recipe));
}

const jsonOf = (archive: string): string => archive.replace(/\.oci\.tar$/, '.json');
const archiveStem = (spec: Spec): string => `${spec.name}-${spec.ref.slice(spec.ref.lastIndexOf(':') + 1)}`;

/** Lay out the image's files in `root`: busybox and its links, the binaries, /tmp, /etc/passwd. */
async function stage(root: string, spec: Spec, binaries: Readonly<Record<string, Binary>>, applets: readonly string[]): Promise<void> {
  await mkdir(join(root, 'bin'), { recursive: true });
  await copyFile(BUSYBOX, join(root, 'bin', 'busybox'));
  await chmod(join(root, 'bin', 'busybox'), 0o755);
  for (const l of new Set([...BUSYBOX_LINKS, ...(spec.allApplets ? applets : [])])) if (l !== 'busybox') await symlink('busybox', join(root, 'bin', l));
  for (const f of spec.files) {
    const src = binaries[f.binary]?.path;
    if (!src) throw new Error(`sidecar images: no ${f.binary} binary for ${spec.ref}`);
    const dst = join(root, f.path);
    await mkdir(join(dst, '..'), { recursive: true });
    await copyFile(src, dst);
    await chmod(dst, 0o755);
  }
  await mkdir(join(root, 'tmp'));
  await chmod(join(root, 'tmp'), 0o1777);
  await mkdir(join(root, 'etc'));
  await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\npause:x:65535:65535:pause:/:/bin/sh\n');
  await writeFile(join(root, 'etc', 'group'), 'root:x:0:\nnonroot:x:65532:\nnobody:x:65534:\npause:x:65535:\n');
  // The kubelet mounts its own /etc/hosts over this one in a pod; without any, Go programs that
  // listen on "localhost" (cloud-sql-proxy's admin server) ask DNS for it and fail.
  await writeFile(join(root, 'etc', 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
}

interface Busybox {
  readonly version: string;
  readonly applets: readonly string[];
}

async function buildImage(spec: Spec, key: string, archive: string, binaries: Readonly<Record<string, Binary>>, busybox: Busybox, cache: string, log: (line: string) => void): Promise<void> {
  const t0 = Date.now();
  log(`[sidecar-images] assembling ${spec.ref} (inputs ${key})...`);
  const bh = join(cache, 'buildah');
  await mkdir(join(bh, 'tmp'), { recursive: true });
  const env = { ...process.env, TMPDIR: join(bh, 'tmp') };
  const buildah = (step: string, args: string[], timeoutMs = 5 * 60_000): Promise<string> =>
    run('buildah', ['--root', join(bh, 'root'), '--runroot', join(bh, 'runroot'), ...args], { step: `${spec.ref}: ${step}`, env: { ...buildahEnv(), ...env }, timeoutMs });
  const work = await mkdtemp(join(cache, 'images', `.tmp-${spec.name}-`));
  const ctr = `hahaha-sidecar-${spec.name}-${randomBytes(4).toString('hex')}`;
  let committed = false;
  try {
    await stage(join(work, 'rootfs'), spec, binaries, busybox.applets);
    await buildah('buildah from scratch', ['from', '--name', ctr, 'scratch']);
    await buildah('buildah copy', ['copy', ctr, `${join(work, 'rootfs')}/`, '/']);
    await buildah('buildah config', [
      'config',
      '--entrypoint', JSON.stringify(spec.entrypoint),
      ...(spec.cmd.length ? ['--cmd', JSON.stringify(spec.cmd)] : []),
      '--user', spec.user,
      '--workingdir', '/',
      '--env', 'PATH=/usr/local/bin:/usr/bin:/bin',
      '--label', `org.opencontainers.image.title=${spec.ref}`,
      '--label', `org.opencontainers.image.description=${spec.description}`,
      '--label', `io.hahaha.realnode.inputs=${key}`,
      '--label', `io.hahaha.realnode.busybox=busybox-static ${busybox.version}`,
      ctr,
    ]);
    await buildah('buildah commit', ['commit', '--format', 'oci', '--rm', '-q', ctr, spec.ref]);
    committed = true;
    const tmpArchive = join(work, 'image.oci.tar');
    await buildah('buildah push', ['push', '-q', spec.ref, `oci-archive:${tmpArchive}:${spec.ref}`]);
    await writeFile(
      jsonOf(archive),
      `${JSON.stringify({ ref: spec.ref, inputs: key, binaries: spec.files.map((f) => binaries[f.binary]?.key), busybox: busybox.version, created: new Date().toISOString() }, null, 2)}\n`,
    );
    await rename(tmpArchive, archive);
  } finally {
    if (!committed) await buildah('remove the working container', ['rm', ctr], 60_000).catch(() => undefined);
    else await buildah('remove the image from buildah storage', ['rmi', spec.ref], 60_000).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
  // Older archives of the same image (other inputs) are stale.
  const stem = archiveStem(spec);
  const keep = new Set([basename(archive), basename(jsonOf(archive))]);
  for (const f of await readdir(join(cache, 'images'))) {
    if (f.startsWith(`${stem}-`) && /^[0-9a-f]{16}\.(oci\.tar|json)$/.test(f.slice(stem.length + 1)) && !keep.has(f)) {
      await rm(join(cache, 'images', f), { force: true });
    }
  }
  log(`[sidecar-images] ${spec.ref} -> ${archive} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

async function busyboxInfo(): Promise<Busybox> {
  const version = (await run('dpkg-query', ['-W', '-f', '${Version}', 'busybox-static'], { step: 'check the busybox-static package (install it with cluster/realnode/packages.sh)', timeoutMs: 30_000 })).trim();
  const list = await run(BUSYBOX, ['--list'], { step: 'list the busybox applets', timeoutMs: 30_000 });
  const applets = list.split('\n').map((l) => l.trim()).filter((l) => /^[a-z0-9][a-z0-9._-]*$/.test(l));
  return { version, applets };
}

/**
 * Build whatever is missing and return every image's ref and archive, in a fixed order:
 * linkerd proxy, istio proxyv2, vault, cloud-sql-proxy, configmap-reload, deaf, pause.
 */
export async function sidecarImages(log: (line: string) => void): Promise<ImageArchive[]> {
  const cache = cacheRoot();
  if (!existsSync(BUSYBOX)) throw new Error(`sidecar images: ${BUSYBOX} is missing: install busybox-static (cluster/realnode/packages.sh)`);
  const busyboxHash = sha(readFileSync(BUSYBOX));
  const binaries: Record<string, Binary> = { standin: standinBinary(cache), 'cloud-sql-proxy': cloudSqlProxyBinary(cache) };
  const plan = SPECS.map((spec) => {
    const key = imageKey(spec, binaries, busyboxHash);
    return { spec, key, archive: join(cache, 'images', `${archiveStem(spec)}-${key}.oci.tar`) };
  });
  const missing = plan.filter((p) => !existsSync(p.archive));
  if (missing.length > 0) {
    await mkdir(join(cache, 'images'), { recursive: true });
    assertStatic(BUSYBOX, 'busybox');
    const busybox = await busyboxInfo();
    const need = new Set(missing.flatMap((p) => p.spec.files.map((f) => f.binary)));
    if (need.has('standin')) await ensureStandin(binaries.standin!, log);
    if (need.has('cloud-sql-proxy')) await ensureCloudSqlProxy(binaries['cloud-sql-proxy']!, log);
    for (const p of missing) await buildImage(p.spec, p.key, p.archive, binaries, busybox, cache, log);
  }
  return plan.map((p) => ({ ref: p.spec.ref, archive: p.archive }));
}
