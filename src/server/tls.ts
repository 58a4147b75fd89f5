// The serving certificate on disk, kept current: read and check a certificate/key pair, watch their
// folder (a Secret volume swaps a `..data` symlink; cert-manager and `hahaha certs` rename files
// into place) and poll as a fallback, and hand each new valid pair to the server so that new
// connections use it without a restart. A half-written or mismatched pair is never loaded: the
// old one stays in use until the pair is whole again.

import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface CertPair {
  readonly cert: string;
  readonly key: string;
  readonly notAfter: Date;
  readonly fingerprint: string;
}

/** Read a certificate and key and check that they belong together. Throws with a clear message. */
export async function readPair(certFile: string, keyFile: string): Promise<CertPair> {
  const [cert, key] = await Promise.all([
    readFile(certFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new Error(`cannot read the certificate ${certFile}: ${e.code ?? e.message}`);
    }),
    readFile(keyFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new Error(`cannot read the key ${keyFile}: ${e.code ?? e.message}`);
    }),
  ]);
  let x: X509Certificate;
  try {
    x = new X509Certificate(cert);
  } catch (e) {
    throw new Error(`${certFile} is not a PEM certificate: ${(e as Error).message}`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (e) {
    throw new Error(`${keyFile} is not a PEM private key: ${(e as Error).message}`);
  }
  if (!x.checkPrivateKey(privateKey)) throw new Error(`${keyFile} is not the key of the certificate ${certFile}`);
  return { cert, key, notAfter: new Date(x.validTo), fingerprint: x.fingerprint256 };
}

export interface ReloaderOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** Called with each new valid pair (not with the first one). */
  readonly onChange: (pair: CertPair) => void;
  readonly onError: (error: Error) => void;
  /** Poll interval in ms, a fallback for file systems without change events. Default 10 s. */
  readonly pollMs?: number;
}

/** Watches the pair and calls onChange when its content changes into a new valid pair. */
export class CertReloader {
  private current: CertPair;
  private readonly watchers: FSWatcher[] = [];
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private readonly opts: ReloaderOptions;
  private lastError = '';

  constructor(initial: CertPair, opts: ReloaderOptions) {
    this.current = initial;
    this.opts = opts;
  }

  start(): void {
    for (const dir of new Set([dirname(this.opts.certFile), dirname(this.opts.keyFile)])) {
      try {
        const w = watch(dir, () => this.schedule());
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch {
        // polling still covers it
      }
    }
    this.timer = setInterval(() => void this.check(), this.opts.pollMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    for (const w of this.watchers) w.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }

  private schedule(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.check(), 50);
    this.debounce.unref();
  }

  /** Re-read the files; switch when they hold a new valid pair. */
  async check(): Promise<boolean> {
    let next: CertPair;
    try {
      next = await readPair(this.opts.certFile, this.opts.keyFile);
    } catch (e) {
      // Report each distinct problem once: a rotation in progress passes through such states.
      const message = (e as Error).message;
      if (message !== this.lastError) this.opts.onError(e as Error);
      this.lastError = message;
      return false;
    }
    this.lastError = '';
    if (digest(next) === digest(this.current)) return false;
    this.current = next;
    this.opts.onChange(next);
    return true;
  }
}

const digest = (p: CertPair): string => createHash('sha256').update(p.cert).update(p.key).digest('hex');
