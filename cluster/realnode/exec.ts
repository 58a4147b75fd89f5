// Runs the host commands the real node needs (ip, iptables, ctr, runc, mount tools): argument
// arrays, never a shell, every call with a time limit, and an error that names the command and
// carries the tail of what it printed.

import { spawn } from 'node:child_process';

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], o: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Ran> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    // Its own process group, so that the deadline ends everything it started (apt-get under bash),
    // and the answer comes at the deadline even if a grandchild still holds the pipes.
    const child = spawn(cmd, args, { env: o.env ?? process.env, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let done = false;
    const finish = (r: Ran): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // already gone
      }
      finish({ code: null, stdout, stderr: `${stderr}\n(killed after ${timeoutMs / 1000} s)` });
    }, timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (o.input !== undefined) child.stdin?.end(o.input);
    child.once('error', (e) => {
      clearTimeout(timer);
      if (!done) reject(new Error(`${cmd} ${args.join(' ')}: ${e.message}`));
      done = true;
    });
    child.once('close', (code, signal) => finish({ code, stdout, stderr: signal ? `${stderr}\n(killed by ${signal})` : stderr }));
  });
}

/** The non-empty, trimmed lines of a command's output. */
export const lines = (s: string): string[] => s.split('\n').map((l) => l.trim()).filter(Boolean);

const tail = (s: string, n = 12): string => s.trimEnd().split('\n').slice(-n).join('\n');

/** Run and require exit status 0; the error says which command failed and what it printed. */
export async function must(cmd: string, args: readonly string[], o: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(cmd, args, o);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code ?? 'by signal'}:\n${tail(`${r.stderr}\n${r.stdout}`)}`);
  return r.stdout;
}
