// The binaries of the local cluster. The pinned Kubernetes/etcd/kwok/helm builds come from
// cluster/build.sh (helper-owned; builds or no-ops, progress on stderr, KEY=/path lines on
// stdout). The simkubelet (Go module in cluster/simkubelet) is built here into the same cache,
// in a folder keyed by a hash of its go.mod, go.sum and *.go files, so it is rebuilt only when
// its sources change.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rename, rm, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO } from './layout.ts';

export interface Binaries {
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kubectl: string;
  /** The real node's kubelet, built in the same go build as the control plane. */
  readonly kubelet: string;
  readonly etcd: string;
  readonly kwok: string;
  /** Undefined when cluster/simkubelet is not there. */
  readonly simkubelet: string | undefined;
}

const KEYS = {
  KUBE_APISERVER: 'kubeApiserver',
  KUBE_CONTROLLER_MANAGER: 'kubeControllerManager',
  KUBE_SCHEDULER: 'kubeScheduler',
  KUBECTL: 'kubectl',
  KUBELET: 'kubelet',
  ETCD: 'etcd',
  KWOK: 'kwok',
} as const;

export const cacheRoot = (env: NodeJS.ProcessEnv = process.env): string => env.HAHAHA_CACHE || join(homedir(), '.cache', 'hahaha');
export const SIMKUBELET_SRC = join(REPO, 'cluster', 'simkubelet');

function run(cmd: string, args: readonly string[], o: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${cmd} ${args.join(' ')} (in ${o.cwd}) failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** Run cluster/build.sh (a no-op when everything is cached) and read the paths it prints. */
export async function ensureBuilt(mode: 'build' | 'print' = 'build'): Promise<Omit<Binaries, 'simkubelet'>> {
  const out = await run('bash', [join(REPO, 'cluster', 'build.sh'), ...(mode === 'print' ? ['--print-paths'] : []), 'kubernetes', 'etcd', 'kwok'], { cwd: REPO });
  const found: Partial<Record<string, string>> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) found[line.slice(0, i)] = line.slice(i + 1);
  }
  const result: Record<string, string> = {};
  for (const [key, field] of Object.entries(KEYS)) {
    const path = found[key];
    if (!path) throw new Error(`cluster/build.sh printed no ${key}=`);
    if (!existsSync(path)) throw new Error(`cluster/build.sh says ${key}=${path}, but there is no such file`);
    result[field] = path;
  }
  return result as unknown as Omit<Binaries, 'simkubelet'>;
}

/** go.mod, go.sum and every .go file under `dir` (relative paths, sorted). */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && e.name !== 'testdata' && e.name !== 'vendor') walk(full);
      } else if (e.name.endsWith('.go') || e.name === 'go.mod' || e.name === 'go.sum') {
        out.push(relative(dir, full));
      }
    }
  };
  walk(dir);
  return out.sort();
}

export function simkubeletHash(dir = SIMKUBELET_SRC): string {
  const h = createHash('sha256');
  for (const f of sourceFiles(dir)) {
    if (f.endsWith('_test.go')) continue;
    h.update(`${f}\0`);
    h.update(readFileSync(join(dir, f)));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/** The package to build: the module root when it is `package main`, else ./cmd/simkubelet. */
function mainPackage(dir: string): string {
  const rootMain = readdirSync(dir).some(
    (f) => f.endsWith('.go') && !f.endsWith('_test.go') && /^package main\b/m.test(readFileSync(join(dir, f), 'utf8')),
  );
  if (rootMain) return '.';
  if (existsSync(join(dir, 'cmd', 'simkubelet'))) return './cmd/simkubelet';
  throw new Error(`cannot find the simkubelet main package in ${dir} (neither the module root nor cmd/simkubelet is package main)`);
}

function goBinary(): string {
  if (process.env.GO) return process.env.GO;
  for (const d of (process.env.PATH ?? '').split(':')) if (d && existsSync(join(d, 'go'))) return join(d, 'go');
  return '/usr/local/go/bin/go';
}

/**
 * Build the simkubelet unless the cache has it for the current sources. Returns its path, or
 * undefined (with a message) when cluster/simkubelet does not exist yet.
 */
export async function ensureSimkubelet(log: (line: string) => void): Promise<string | undefined> {
  if (!existsSync(join(SIMKUBELET_SRC, 'go.mod'))) {
    log(`simkubelet: ${relative(REPO, SIMKUBELET_SRC)}/go.mod is not there yet; skipping it (nodes get Ready, but pods stay Pending-with-a-node and exec/port-forward have nothing to talk to)`);
    return undefined;
  }
  const hash = simkubeletHash();
  const dir = join(cacheRoot(), 'bin', `simkubelet-${hash}`);
  const bin = join(dir, 'simkubelet');
  if (existsSync(bin) && statSync(bin).isFile()) return bin;
  const pkg = mainPackage(SIMKUBELET_SRC);
  log(`simkubelet: building ${relative(REPO, SIMKUBELET_SRC)} (${pkg}, sources ${hash})...`);
  const t0 = Date.now();
  await mkdir(join(cacheRoot(), 'bin'), { recursive: true });
  const tmp = await mkdtemp(join(cacheRoot(), 'bin', '.tmp-simkubelet-'));
  try {
    await run(goBinary(), ['build', '-trimpath', '-ldflags', '-s -w', '-o', join(tmp, 'simkubelet'), pkg], {
      cwd: SIMKUBELET_SRC,
      env: { ...process.env, GOWORK: 'off', GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
    });
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  log(`simkubelet: built in ${((Date.now() - t0) / 1000).toFixed(1)} s -> ${bin}`);
  return bin;
}
