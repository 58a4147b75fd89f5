// hahaha's own image for the real node: the repo's Dockerfile, unchanged, built with buildah
// (no Docker daemon) and exported as an OCI archive that `ctr -n k8s.io images import` takes.
//
// Owns: the two stand-in base images in buildah's storage (<cache>/buildah/root, shared with
// other builds: buildah locks it), the build of ghcr.io/nais/hahaha:<version>-local from them,
// and its archive <cache>/images/hahaha-<tag>-<key>.oci.tar, where <key> hashes every build input
// (Dockerfile, .dockerignore, package files, tsconfig*.json, src/, webhook-certs/, and what the
// stand-ins are made of). A warm call only hashes, stats and runs ldd; a changed input rebuilds.
//
// No image is ever pulled (`--pull=never`). A real build pulls its two bases:
//   node:24-bookworm (Docker Hub)         Debian 12 with bash, coreutils, apt, git, python3, gcc,
//                                         Node 24 in /usr/local (npm, npx, corepack, yarn), the
//                                         `node` user, docker-entrypoint.sh;
//   gcr.io/distroless/nodejs24-debian12:nonroot
//                                         Debian 12's libc6, libssl3, libstdc++6, libgcc-s1,
//                                         ca-certificates, tzdata, netbase, os-release, and Node 24
//                                         at /nodejs/bin/node; users root, nobody, nonroot (65532).
// Here both are assembled from `scratch` out of this machine's files instead, under the same
// names (docker.io/library/node:24-bookworm, gcr.io/distroless/nodejs24-debian12:nonroot), so the
// Dockerfile's FROM lines resolve to them locally:
//   node stand-in      busybox-static (/bin/sh, /usr/bin/env and the usual applets; no bash, apt,
//                      git, python or compiler), the repo's pinned Node 24 binary
//                      (node_modules/node/bin/node) at /usr/local/bin/node with the glibc
//                      libraries ldd names, the host's npm (pure JS) at
//                      /usr/local/lib/node_modules/npm with the npm/npx links, the host's CA bundle,
//                      and /usr/local/etc/npmrc (npm's global config there) carrying the host's
//                      registry, proxy and cafile settings (never a credential), so that the
//                      Dockerfile's `npm ci` reaches the registry the way the host's npm does;
//   distroless stand-in  /nodejs/bin/node (the same binary) with its glibc libraries, the CA
//                      bundle, passwd/group with nonroot 65532, /home/nonroot, /tmp 1777, user
//                      65532: no shell, no package manager; no tzdata, os-release or libssl (Node
//                      carries its own OpenSSL and ICU).
// The static files of both (passwd, group, nsswitch.conf) are in cluster/realnode/base-images/.
//
// The tag is `<package.json version>-local` (0.1.0-local), not the chart's appVersion 0.1.0: the
// image is not the release (its bases are stand-ins), so it never shadows ghcr.io's 0.1.0 in a
// node's image store. Install the chart with image.tag=<that tag> (and image.pullPolicy=Never, so
// a node that lacks it fails at once instead of reaching for ghcr.io).

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { chmod, chown, copyFile, cp, mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { cacheRoot } from '../binaries.ts';
import { REPO } from '../layout.ts';
import { buildahEnv, leavingNoBlobInfoCache } from './buildah.ts';
import type { ImageArchive } from './sidecar-images.ts';

export type { ImageArchive } from './sidecar-images.ts';

export const REPOSITORY = 'ghcr.io/nais/hahaha';
/** `<package.json version>-local`: a local build on stand-in bases, never the release's tag. */
export const HAHAHA_TAG = `${(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0'}-local`;
/** The image reference the archive holds and the node's containerd knows it by. */
export const HAHAHA_IMAGE = `${REPOSITORY}:${HAHAHA_TAG}`;
export const NODE_REF = 'docker.io/library/node:24-bookworm';
export const RUNTIME_REF = 'gcr.io/distroless/nodejs24-debian12:nonroot';
/** Bump when the assembly of the stand-ins below changes. */
const RECIPE = 'standin-v1';
const BASE_IMAGES = join(REPO, 'cluster', 'realnode', 'base-images');
const NODE_BINARY = join(REPO, 'node_modules', 'node', 'bin', 'node');
const BUSYBOX = '/bin/busybox';
const SYSTEM_CA = '/etc/ssl/certs/ca-certificates.crt';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The inputs of the build besides src/ and webhook-certs/ (tsconfig*.json are found). */
const INPUT_FILES = ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json'];
const INPUT_DIRS = ['src', 'webhook-certs'];
/** Archives kept in <cache>/images/ besides the current one. */
const KEEP_OLD_ARCHIVES = 2;
/** busybox applets linked in the node stand-in: a shell for RUN and npm scripts, env for shebangs, and the usual tools. */
const APPLETS = [
  'sh', 'ash', 'env', 'cat', 'cp', 'mv', 'rm', 'ln', 'ls', 'mkdir', 'rmdir', 'chmod', 'chown', 'chgrp', 'touch', 'echo', 'printf',
  'test', '[', 'true', 'false', 'pwd', 'sed', 'grep', 'egrep', 'fgrep', 'awk', 'head', 'tail', 'tr', 'cut', 'sort', 'uniq', 'wc',
  'find', 'xargs', 'tar', 'gzip', 'gunzip', 'zcat', 'id', 'whoami', 'uname', 'date', 'sleep', 'dirname', 'basename', 'readlink',
  'realpath', 'mktemp', 'which', 'tee', 'expr', 'stat', 'du', 'df', 'kill', 'ps', 'hostname', 'nproc', 'less', 'vi', 'diff',
  'md5sum', 'sha256sum', 'unzip', 'xz',
];

const MIN = 60_000;
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

// ---- running commands ----

interface RunOptions {
  /** What the command is for, named in errors ("build the image"). */
  readonly step: string;
  readonly timeoutMs: number;
  readonly cwd?: string;
  /** Each output line (stdout and stderr) as it comes. */
  readonly onLine?: (line: string) => void;
}

const TAIL_LINES = 25;

function tail(text: string, n = TAIL_LINES): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}

/**
 * Run `cmd args` in its own process group, bounded by `timeoutMs` (then the whole group gets
 * SIGTERM, and SIGKILL 10 s later). Resolves to stdout; rejects with the step, the command and
 * the tail of stderr (or of stdout when stderr is empty).
 */
function run(cmd: string, args: readonly string[], o: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd ?? REPO, env: cmd === 'buildah' ? buildahEnv() : process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    const partial = { out: '', err: '' };
    const feed = (which: 'out' | 'err', chunk: Buffer): void => {
      if (!o.onLine) return;
      const text = partial[which] + chunk.toString('utf8');
      const lines = text.split('\n');
      partial[which] = lines.pop() ?? '';
      for (const line of lines) o.onLine(line);
    };
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      feed('out', c);
    });
    child.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString('utf8')).slice(-64 * 1024);
      feed('err', c);
    });
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    let hardKill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      hardKill = setTimeout(() => killGroup('SIGKILL'), 10_000);
    }, o.timeoutMs);
    const describe = `${cmd} ${args.join(' ')}`;
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`hahaha-image: ${o.step}: cannot run ${describe}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (hardKill) clearTimeout(hardKill);
      if (o.onLine) for (const rest of [partial.out, partial.err]) if (rest) o.onLine(rest);
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0 && !timedOut) {
        resolve(stdout);
        return;
      }
      const why = timedOut ? `timed out after ${Math.round(o.timeoutMs / 1000)} s` : signal ? `killed by ${signal}` : `exit ${code}`;
      const shown = err.trim() ? `stderr (tail):\n${tail(err)}` : stdout.trim() ? `stdout (tail):\n${tail(stdout)}` : '(no output)';
      reject(new Error(`hahaha-image: ${o.step} failed (${why}): ${describe}\n${shown}`));
    });
  });
}

function buildahArgs(args: readonly string[]): string[] {
  const c = cacheRoot();
  return ['--root', join(c, 'buildah', 'root'), '--runroot', join(c, 'buildah', 'runroot'), ...args];
}

const buildah = (args: readonly string[], o: RunOptions): Promise<string> => run('buildah', buildahArgs(args), o);

/** The image ID behind `ref` in buildah's storage, or undefined. */
async function imageId(ref: string): Promise<string | undefined> {
  try {
    const id = (await buildah(['inspect', '--type', 'image', '--format', '{{.FromImageID}}', ref], { step: `look up ${ref}`, timeoutMs: MIN })).trim();
    return id || undefined;
  } catch {
    return undefined;
  }
}

// ---- what the stand-ins are made of ----

interface Library {
  /** The path the dynamic linker looks for (as ldd prints it), e.g. /lib/x86_64-linux-gnu/libc.so.6. */
  readonly path: string;
  /** The file behind it on this machine. */
  readonly real: string;
}

interface HostParts {
  readonly node: string;
  readonly nodeVersion: string;
  readonly libraries: readonly Library[];
  readonly npmDir: string;
  readonly npmVersion: string;
  readonly busybox: string;
  /** The CA bundle that goes in as /etc/ssl/certs/ca-certificates.crt. */
  readonly caBundle: string;
}

function which(name: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':')) {
    const p = join(d || '.', name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** The libraries that `binary` loads, from ldd (its interpreter included). */
function libraries(binary: string): Library[] {
  const r = spawnSync('ldd', [binary], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`hahaha-image: list the libraries of ${binary} failed: ldd ${r.error?.message ?? `exit ${r.status}`}\n${tail(r.stderr ?? '')}`);
  const libs: Library[] = [];
  for (const line of r.stdout.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const m = /^\s*(?:\S+\s+=>\s+)?(\/\S+)\s+\(0x[0-9a-f]+\)\s*$/.exec(line);
    if (m?.[1]) libs.push({ path: m[1], real: realpathSync(m[1]) });
    else if (/=>\s+not found/.test(line)) throw new Error(`hahaha-image: ${binary} needs a library this machine lacks: ${line.trim()}`);
  }
  if (!libs.some((l) => basename(l.path).startsWith('ld-linux'))) throw new Error(`hahaha-image: ldd ${binary} named no dynamic linker:\n${r.stdout}`);
  return libs;
}

/** The host's npm: the package folder of the `npm` on PATH. */
function hostNpm(): { dir: string; version: string } {
  const bin = which('npm');
  if (!bin) throw new Error('hahaha-image: no npm on PATH (its pure-JS package goes into the node stand-in)');
  let dir = dirname(realpathSync(bin));
  for (let i = 0; i < 4 && !existsSync(join(dir, 'package.json')); i++) dir = dirname(dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
  if (pkg.name !== 'npm' || !pkg.version) throw new Error(`hahaha-image: ${bin} does not lead to the npm package (found ${dir})`);
  if (Number(pkg.version.split('.')[0]) < 10) throw new Error(`hahaha-image: the host's npm is ${pkg.version}; Node 24 needs npm 10 or later`);
  return { dir, version: pkg.version };
}

/** The npm config files and variables that decide how the host's npm reaches the registry. */
function npmConfigSources(npmDir: string): string {
  const files = [join(homedir(), '.npmrc'), join(REPO, '.npmrc'), '/etc/npmrc', '/usr/etc/npmrc', '/usr/local/etc/npmrc', join(npmDir, 'npmrc')];
  const parts = files.map((f) => `${f}\0${existsSync(f) ? readFileSync(f, 'utf8') : '-'}`);
  for (const [k, v] of Object.entries(process.env).sort(([a], [b]) => a.localeCompare(b))) {
    if (/^(npm_config_|https?_proxy$|no_proxy$)/i.test(k)) parts.push(`${k}=${v ?? ''}`);
  }
  return parts.join('\n');
}

function hostParts(): HostParts {
  if (!existsSync(NODE_BINARY)) throw new Error(`hahaha-image: ${NODE_BINARY} is missing (npm ci installs the pinned Node 24, the \`node\` devDependency)`);
  const node = realpathSync(NODE_BINARY);
  const nodePkg = JSON.parse(readFileSync(join(REPO, 'node_modules', 'node', 'package.json'), 'utf8')) as { version?: string };
  if (!nodePkg.version?.startsWith('24.')) throw new Error(`hahaha-image: node_modules/node is ${nodePkg.version ?? 'of no version'}, not Node 24`);
  const npm = hostNpm();
  if (!existsSync(BUSYBOX)) throw new Error(`hahaha-image: ${BUSYBOX} is missing (Debian's busybox-static: run cluster/realnode/packages.sh)`);
  return {
    node,
    nodeVersion: nodePkg.version,
    libraries: libraries(node),
    npmDir: npm.dir,
    npmVersion: npm.version,
    busybox: BUSYBOX,
    caBundle: SYSTEM_CA,
  };
}

/** A file as a package manager leaves it: path, size, mtime (an upgrade changes them, a stat costs nothing). */
const statKey = (p: string): string => {
  const s = statSync(p);
  return `${p}\0${s.size}\0${s.mtimeMs}`;
};

/** Every file under `dir`, relative, sorted (nothing is skipped: more input only rebuilds more often). */
function filesUnder(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(join(dir, e.name), rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

function hashFiles(h: ReturnType<typeof createHash>, root: string, rels: readonly string[]): void {
  for (const rel of rels) {
    const full = join(root, rel);
    h.update(`${rel}\0${statSync(full).mode & 0o111 ? 'x' : '-'}\0`);
    h.update(readFileSync(full));
    h.update('\0');
  }
}

type StandIn = 'node' | 'runtime';
const STATIC_DIR: Record<StandIn, string> = { node: 'node-24-bookworm', runtime: 'distroless-nodejs24-debian12' };
/** The stand-in's own name, keyed by what it is made of; the public name is a second tag on it. */
const keyedRef = (which: StandIn, key: string): string => `localhost/hahaha-standin/${STATIC_DIR[which]}:${key}`;

function standInKey(which: StandIn, host: HostParts): string {
  const h = createHash('sha256');
  // The pinned Node is known by its version and size, not its inode or mtime: `npm ci` reinstalls
  // the same binary, and that must not rebuild everything.
  h.update(`${RECIPE}\0${which}\0${host.nodeVersion}\0${statSync(host.node).size}\0`);
  for (const l of host.libraries) h.update(`${l.path}\0${statKey(l.real)}\0`);
  h.update(sha256(readFileSync(host.caBundle)));
  const dir = join(BASE_IMAGES, STATIC_DIR[which]);
  hashFiles(h, dir, filesUnder(dir));
  if (which === 'node') {
    h.update(`${host.npmDir}\0${host.npmVersion}\0${statKey(join(host.npmDir, 'package.json'))}\0${statKey(host.busybox)}\0`);
    h.update(npmConfigSources(host.npmDir));
  }
  return h.digest('hex').slice(0, 16);
}

/** Hash of the build context and the Dockerfile, the tag, and both stand-ins. */
function inputKey(tag: string, nodeKey: string, runtimeKey: string): string {
  const h = createHash('sha256');
  h.update(`${tag}\0${nodeKey}\0${runtimeKey}\0`);
  const tsconfigs = readdirSync(REPO).filter((f) => /^tsconfig.*\.json$/.test(f)).sort();
  hashFiles(h, REPO, [...INPUT_FILES, ...tsconfigs].filter((f) => existsSync(join(REPO, f))));
  for (const d of INPUT_DIRS) hashFiles(h, REPO, filesUnder(join(REPO, d)).map((f) => `${d}/${f}`));
  return h.digest('hex').slice(0, 16);
}

// ---- assembling the stand-ins ----

/** Settings of the host's npm that say how it reaches the registry; credentials are never copied. */
async function standInNpmrc(): Promise<string> {
  const out = await run('npm', ['config', 'list', '--json'], { step: "read the host's npm config", timeoutMs: MIN });
  const config = JSON.parse(out) as Record<string, unknown>;
  const lines = [
    "# The host's npm registry settings, written by cluster/realnode/hahaha-image.ts into this stand-in",
    '# for node:24-bookworm (npm reads $prefix/etc/npmrc as its global config). The CA bundle is the host\'s.',
    'cafile=/etc/ssl/certs/ca-certificates.crt',
  ];
  const wanted = (k: string): boolean =>
    ['registry', 'proxy', 'https-proxy', 'noproxy', 'strict-ssl', 'update-notifier'].includes(k) || /^@[^:]+:registry$/.test(k);
  for (const [k, v] of Object.entries(config).sort(([a], [b]) => a.localeCompare(b))) {
    if (!wanted(k) || v === null || v === undefined) continue;
    let value: string;
    if (Array.isArray(v)) value = v.map(String).filter((s) => s !== '').join(',');
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') value = String(v);
    else continue;
    if (value === '') continue;
    lines.push(`${k}=${value}`);
  }
  return `${lines.join('\n')}\n`;
}

async function copyLibraries(root: string, libs: readonly Library[], mergedUsr: boolean): Promise<void> {
  for (const l of libs) {
    let path = l.path;
    if (mergedUsr) path = path.replace(/^\/(lib|lib64)\//, '/usr/$1/');
    const dest = join(root, path);
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(l.real, dest);
    await chmod(dest, 0o755);
  }
}

async function stageNode(root: string, host: HostParts): Promise<void> {
  // Debian 12 is merged-/usr: /bin, /sbin, /lib and /lib64 are links into /usr.
  for (const d of ['usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'usr/local/bin', 'usr/local/lib/node_modules', 'usr/local/etc', 'etc/ssl/certs', 'home/node', 'var/tmp']) {
    await mkdir(join(root, d), { recursive: true });
  }
  for (const d of ['bin', 'sbin', 'lib', 'lib64']) await symlink(`usr/${d}`, join(root, d));
  await copyFile(host.busybox, join(root, 'usr/bin/busybox'));
  await chmod(join(root, 'usr/bin/busybox'), 0o755);
  for (const a of APPLETS) await symlink('busybox', join(root, 'usr/bin', a));
  await symlink('../bin/busybox', join(root, 'usr/sbin/nologin'));
  await copyFile(host.node, join(root, 'usr/local/bin/node'));
  await chmod(join(root, 'usr/local/bin/node'), 0o755);
  await copyLibraries(root, host.libraries, true);
  await cp(host.npmDir, join(root, 'usr/local/lib/node_modules/npm'), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));
  await writeFile(join(root, 'usr/local/etc/npmrc'), await standInNpmrc());
  await mkdir(join(root, 'root'), { mode: 0o700 });
  await mkdir(join(root, 'tmp'));
  await chmod(join(root, 'tmp'), 0o1777);
  await chmod(join(root, 'var/tmp'), 0o1777);
}

async function stageRuntime(root: string, host: HostParts): Promise<void> {
  for (const d of ['nodejs/bin', 'etc/ssl/certs', 'home/nonroot', 'bin', 'sbin', 'usr/bin', 'usr/lib', 'var']) await mkdir(join(root, d), { recursive: true });
  await copyFile(host.node, join(root, 'nodejs/bin/node'));
  await chmod(join(root, 'nodejs/bin/node'), 0o755);
  await copyLibraries(root, host.libraries, false);
  await mkdir(join(root, 'root'), { mode: 0o700 });
  await mkdir(join(root, 'tmp'));
  await chmod(join(root, 'tmp'), 0o1777);
}

/** Untag the stand-ins of other keys (best effort: their layers stay while an image still uses them). */
async function forgetOldStandIns(which: StandIn, key: string): Promise<void> {
  const prefix = `localhost/hahaha-standin/${STATIC_DIR[which]}:`;
  const names = await buildah(['images', '--format', '{{.Name}}:{{.Tag}}'], { step: 'list images', timeoutMs: MIN }).catch(() => '');
  for (const name of names.split('\n').map((l) => l.trim())) {
    if (name.startsWith(prefix) && name !== keyedRef(which, key)) {
      await buildah(['rmi', name], { step: `untag the old stand-in ${name}`, timeoutMs: MIN }).catch(() => undefined);
    }
  }
}

/** Make one stand-in in buildah's storage (unless it is there for `key`) and give it its public name. */
async function ensureStandIn(which: StandIn, key: string, host: HostParts, log: (line: string) => void): Promise<void> {
  const ref = which === 'node' ? NODE_REF : RUNTIME_REF;
  const mine = keyedRef(which, key);
  const id = await imageId(mine);
  if (id) {
    if ((await imageId(ref)) !== id) await buildah(['tag', mine, ref], { step: `name the stand-in ${ref}`, timeoutMs: MIN });
    return;
  }
  const t0 = Date.now();
  log(`hahaha-image: assembling the stand-in ${ref} (${key}) from this machine's files...`);
  const tmpRoot = join(cacheRoot(), 'buildah', 'tmp');
  await mkdir(tmpRoot, { recursive: true });
  const tmp = await mkdtemp(join(tmpRoot, `${which}-`));
  let container: string | undefined;
  try {
    const root = join(tmp, 'rootfs');
    await mkdir(root);
    await cp(join(BASE_IMAGES, STATIC_DIR[which]), root, { recursive: true });
    await mkdir(join(root, 'etc/ssl/certs'), { recursive: true });
    await copyFile(host.caBundle, join(root, 'etc/ssl/certs/ca-certificates.crt'));
    if (which === 'node') await stageNode(root, host);
    else await stageRuntime(root, host);
    await run('chown', ['-hR', '0:0', root], { step: `own the ${which} stand-in's files by root`, timeoutMs: 2 * MIN });
    if (which === 'runtime') await chown(join(root, 'home/nonroot'), 65532, 65532);
    if (which === 'runtime') await chmod(join(root, 'home/nonroot'), 0o700);
    const layer = join(tmp, 'layer.tar');
    await run('tar', ['--create', '--file', layer, '--sort=name', '--numeric-owner', '--xattrs', '-C', root, '.'], { step: `pack the ${which} stand-in`, timeoutMs: 3 * MIN });
    container = (await buildah(['from', '--pull=never', 'scratch'], { step: 'start a container from scratch', timeoutMs: MIN })).trim();
    await buildah(['add', container, layer, '/'], { step: `add the ${which} stand-in's files`, timeoutMs: 5 * MIN });
    const config =
      which === 'node'
        ? ['--env', PATH_ENV, '--env', `NODE_VERSION=${host.nodeVersion}`, '--cmd', '["node"]', '--workingdir', '/',
           '--label', `io.github.nais.hahaha.stand-in=${NODE_REF} (node ${host.nodeVersion}, npm ${host.npmVersion}, busybox; built by cluster/realnode/hahaha-image.ts)`]
        : ['--env', PATH_ENV, '--env', 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt', '--user', '65532', '--workingdir', '/home/nonroot',
           '--entrypoint', '["/nodejs/bin/node"]', '--cmd', ''];
    await buildah(['config', '--os', 'linux', '--arch', 'amd64', ...config, container], { step: `configure the ${which} stand-in`, timeoutMs: MIN });
    await buildah(['commit', '--rm', '--format', 'oci', container, mine], { step: `commit the ${which} stand-in`, timeoutMs: 5 * MIN });
    container = undefined;
    await buildah(['tag', mine, ref], { step: `name the stand-in ${ref}`, timeoutMs: MIN });
    await forgetOldStandIns(which, key);
  } finally {
    if (container) await buildah(['rm', container], { step: 'remove the stand-in container', timeoutMs: MIN }).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  }
  log(`hahaha-image: ${ref} stand-in ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// ---- the build ----

function git(args: readonly string[]): string {
  const r = spawnSync('git', args, { cwd: REPO, encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : '';
}

/**
 * The commit these inputs are (`-dirty` when the work tree differs from it), and its time: the
 * image's revision label. It is not part of the cache key, so a later commit that leaves the
 * inputs alone keeps the archive, labelled with the earlier commit (whose inputs are the same).
 */
function revision(): { revision: string; created: string } {
  const head = git(['rev-parse', 'HEAD']) || 'unknown';
  const tsconfigs = readdirSync(REPO).filter((f) => /^tsconfig.*\.json$/.test(f));
  const dirty = git(['status', '--porcelain', '--', ...INPUT_FILES, ...tsconfigs, ...INPUT_DIRS]) !== '';
  const created = dirty || head === 'unknown' ? new Date().toISOString() : git(['log', '-1', '--format=%cI', 'HEAD']) || new Date().toISOString();
  return { revision: dirty ? `${head}-dirty` : head, created };
}

function shownLine(line: string): boolean {
  return /^((\[\d+\/\d+\] )?(STEP \d+\/\d+|COMMIT)|Successfully tagged|added \d+ package|removed \d+ package|npm (error|ERR|warn))/.test(line.trim());
}

function pruneArchives(dir: string, tag: string, keep: string): void {
  const prefix = `hahaha-${tag}-`;
  const old = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.oci.tar') && join(dir, f) !== keep)
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t)
    .slice(KEEP_OLD_ARCHIVES);
  for (const { f } of old) {
    for (const p of [join(dir, f), join(dir, f.replace(/\.oci\.tar$/, '.json')), join(dir, f.replace(/\.oci\.tar$/, '.build.log'))]) {
      void unlink(p).catch(() => undefined);
    }
  }
}

/**
 * hahaha's image as an OCI archive, built from the Dockerfile on the stand-in bases unless the
 * cache has it for the current inputs.
 */
export async function hahahaImage(log: (line: string) => void): Promise<ImageArchive> {
  if (process.getuid?.() !== 0) throw new Error('hahaha-image: buildah runs here as root (its storage and chroot builds need it); run as root');
  const tag = HAHAHA_TAG;
  const ref = HAHAHA_IMAGE;
  const host = hostParts();
  const nodeKey = standInKey('node', host);
  const runtimeKey = standInKey('runtime', host);
  const key = inputKey(tag, nodeKey, runtimeKey);
  const dir = join(cacheRoot(), 'images');
  const archive = join(dir, `hahaha-${tag}-${key}.oci.tar`);
  const meta = archive.replace(/\.oci\.tar$/, '.json');
  if (existsSync(archive) && existsSync(meta)) return { ref, archive };

  if (!which('buildah')) throw new Error('hahaha-image: buildah is missing (run cluster/realnode/packages.sh)');
  await mkdir(dir, { recursive: true });
  const t0 = Date.now();
  await ensureStandIn('node', nodeKey, host, log);
  await ensureStandIn('runtime', runtimeKey, host, log);

  const rev = revision();
  log(`hahaha-image: building ${ref} from the Dockerfile (inputs ${key}, revision ${rev.revision.slice(0, 12)})...`);
  const logFile = archive.replace(/\.oci\.tar$/, '.build.log');
  const logStream: WriteStream = createWriteStream(logFile);
  const tb = Date.now();
  try {
    await buildah(
      ['bud', '--pull=never', '--isolation=chroot', '--network=host', '--layers', '--format', 'oci', '-f', 'Dockerfile', '-t', ref,
       '--build-arg', `VERSION=${tag}`, '--build-arg', `REVISION=${rev.revision}`, '--build-arg', `CREATED=${rev.created}`, '.'],
      {
        step: `build ${ref} (log: ${logFile})`,
        timeoutMs: 30 * MIN,
        cwd: REPO,
        onLine: (line) => {
          logStream.write(`${line}\n`);
          if (shownLine(line)) log(`hahaha-image:   ${line.trim()}`);
        },
      },
    );
  } finally {
    await new Promise<void>((resolve) => logStream.end(resolve));
  }
  log(`hahaha-image: built in ${((Date.now() - tb) / 1000).toFixed(1)} s; writing the archive...`);
  const tmp = `${archive}.tmp-${process.pid}`;
  try {
    await rm(tmp, { force: true });
    await buildah(['push', '--quiet', ref, `oci-archive:${tmp}:${ref}`], { step: `write ${ref} to an OCI archive`, timeoutMs: 10 * MIN });
    const imageID = await imageId(ref);
    await writeFile(meta, `${JSON.stringify({ ref, imageID, inputs: key, standIns: { [NODE_REF]: nodeKey, [RUNTIME_REF]: runtimeKey }, ...rev }, null, 2)}\n`);
    await rename(tmp, archive);
  } catch (e) {
    await rm(tmp, { force: true });
    await rm(meta, { force: true });
    throw e;
  }
  pruneArchives(dir, tag, archive);
  log(`hahaha-image: ${ref} -> ${archive} (${(statSync(archive).size / 2 ** 20).toFixed(1)} MiB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { ref, archive };
}

// `node cluster/realnode/hahaha-image.ts` builds (or finds) the image and prints REF and ARCHIVE.
if (import.meta.main) {
  const t0 = Date.now();
  leavingNoBlobInfoCache(() => hahahaImage((line) => console.error(line))).then(
    (r) => {
      console.error(`hahaha-image: done in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
      console.log(`REF=${r.ref}\nARCHIVE=${r.archive}`);
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}
