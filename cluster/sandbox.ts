// The sandbox for kwok and simkubelet (hard rule: nothing they start may signal this machine's
// processes). Each runs as an unprivileged user (nobody, 65534) in its own PID namespace with its
// own /proc: unshare --pid --fork --kill-child --mount-proc, then setpriv drops to 65534 with no
// supplementary groups and no_new_privs, and with a parent-death signal, so that killing the
// unshare process kills the namespace's init (the program itself), and with it every process in
// the namespace. This module also gives them their own copies of what they read (binary,
// kubeconfig, certificates, config), because the originals live in root-only places (~/.cache,
// pki/). The folders stay root's (so the sandbox user cannot plant a symlink where root writes);
// the files it reads are its own (mode 0600); only the folders named by sandboxWritableDir are
// writable by it.

import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SANDBOX_ID, type Paths } from './layout.ts';
import { writeIfChanged } from './pki.ts';

const isRoot = (): boolean => process.getuid?.() === 0;

let unshareChecked: string | undefined;

/** Fail early, with a useful message, when the sandbox cannot be made on this machine. */
export function checkSandboxTools(): void {
  if (unshareChecked !== undefined) return;
  const probe = [...wrapPrefix(), '/bin/true'];
  try {
    execFileSync(probe[0] as string, probe.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
    unshareChecked = 'ok';
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`cannot run kwok and simkubelet sandboxed (${probe.slice(0, -1).join(' ')}): ${stderr || (e as Error).message}`);
  }
}

/** The command that runs a program sandboxed; append the program and its arguments. */
export function wrapPrefix(): string[] {
  if (isRoot()) {
    return [
      'unshare', '--pid', '--fork', '--kill-child', '--mount-proc', '--',
      // --pdeathsig: changing the uid clears the parent-death signal that --kill-child set, so
      // set it again (setpriv does so after the uid change); else the program would outlive unshare.
      'setpriv', `--reuid=${SANDBOX_ID}`, `--regid=${SANDBOX_ID}`, '--clear-groups', '--no-new-privs', '--pdeathsig=SIGKILL', '--',
    ];
  }
  // Not root: a user namespace lets us make the PID namespace; inside it we stay our own user.
  return ['unshare', '--user', '--map-current-user', '--pid', '--fork', '--kill-child', '--mount-proc', '--', 'setpriv', '--no-new-privs', '--pdeathsig=SIGKILL', '--'];
}

/** Hand a file or folder to the sandbox user (when we are root; else it is ours anyway). */
function giveToSandbox(path: string, mode: number): void {
  chmodSync(path, mode);
  if (isRoot()) chownSync(path, SANDBOX_ID, SANDBOX_ID);
}

/** Make sandbox/, sandbox/bin and sandbox/<component>/ (root's, world-readable). Returns the component dir. */
export function sandboxDir(p: Paths, component: string): string {
  for (const d of [p.sandbox, p.sandboxBin, p.sandboxOf(component)]) {
    mkdirSync(d, { recursive: true });
    chmodSync(d, 0o755);
  }
  return p.sandboxOf(component);
}

/** Copy a binary into sandbox/bin (when missing or different in size or time) and return the copy's path. */
export function sandboxBinary(p: Paths, src: string): string {
  const dest = join(p.sandboxBin, basename(src));
  const s = statSync(src);
  if (!existsSync(dest) || statSync(dest).size !== s.size || statSync(dest).mtimeMs !== s.mtimeMs) {
    copyFileSync(src, `${dest}.tmp`);
    execFileSync('touch', ['-r', src, `${dest}.tmp`]);
    execFileSync('mv', ['-f', `${dest}.tmp`, dest]);
  }
  chmodSync(dest, 0o755);
  return dest;
}

/** Put `content` (or the file at `from`) into the component's sandbox dir, readable by the sandbox user only. */
export async function sandboxFile(p: Paths, component: string, name: string, source: { content: string } | { from: string }): Promise<string> {
  const dest = join(sandboxDir(p, component), name);
  const data = 'content' in source ? source.content : readFileSync(source.from, 'utf8');
  await writeIfChanged(dest, data, 0o600);
  giveToSandbox(dest, 0o600);
  return dest;
}

/** An empty directory in the component's sandbox dir that the sandbox user may write. */
export function sandboxWritableDir(p: Paths, component: string, name: string): string {
  const d = join(sandboxDir(p, component), name);
  mkdirSync(d, { recursive: true });
  giveToSandbox(d, 0o700);
  return d;
}

/** A file the sandboxed program appends to (made empty if missing), readable by everyone. */
export function sandboxWritableFile(p: Paths, component: string, name: string): string {
  const f = join(sandboxDir(p, component), name);
  if (!existsSync(f)) writeFileSync(f, '');
  giveToSandbox(f, 0o644);
  return f;
}
