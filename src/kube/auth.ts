// Credentials for requests to the apiserver: a bearer token, a token file re-read once it is a
// minute old (bound service account tokens rotate; client-go and client-node re-read theirs the
// same way, and the last token read successfully is used while a re-read fails), basic auth, or,
// for a kubeconfig user with `exec` or `auth-provider`, client-node's KubeConfig loaded lazily
// (a dynamic import, so its generated code costs memory only to those users) to run the plugin.
// Client certificates from the kubeconfig are TLS settings (config.ts), not credentials, except
// those an exec plugin hands out, which come back from `authorize` with each request.

import { readFile } from 'node:fs/promises';
import type { KubeConfig } from '@kubernetes/client-node';

/** What authenticates one request: an Authorization header, and a client certificate an exec plugin may give. */
export interface Authorization {
  readonly header?: string;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

export interface Credentials {
  /** What kind they are, for messages ("token", "token file /path", ...); never the secret. */
  readonly kind: string;
  authorize(): Promise<Authorization>;
}

export const noCredentials: Credentials = { kind: 'none', authorize: () => Promise.resolve({}) };

export const bearerToken = (token: string): Credentials => ({ kind: 'token', authorize: () => Promise.resolve({ header: `Bearer ${token}` }) });

export const basicAuth = (username: string, password: string): Credentials => ({
  kind: 'basic auth',
  authorize: () => Promise.resolve({ header: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` }),
});

export interface TokenFileOptions {
  /** Re-read the file when the token read last is older than this (default 60 s). */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
  readonly read?: (path: string) => Promise<string>;
}

/** A bearer token read from a file, re-read when older than maxAgeMs; a failed re-read keeps the last token. */
export function tokenFile(path: string, options: TokenFileOptions = {}): Credentials {
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const now = options.now ?? Date.now;
  const read = options.read ?? ((p: string) => readFile(p, 'utf8'));
  let token: string | undefined;
  let readAt = -Infinity;
  let reading: Promise<string> | undefined;
  const refresh = async (): Promise<string> => {
    try {
      const text = (await read(path)).trim();
      if (!text) throw new Error('the file is empty');
      token = text;
      readAt = now();
      return text;
    } catch (e) {
      if (token !== undefined) return token;
      throw new Error(`cannot read the token file ${path}: ${(e as Error).message}`, { cause: e });
    }
  };
  return {
    kind: `token file ${path}`,
    async authorize() {
      if (token === undefined || now() - readAt >= maxAgeMs) reading ??= refresh().finally(() => (reading = undefined));
      return { header: `Bearer ${reading ? await reading : token}` };
    },
  };
}

/** A kubeconfig user whose credentials come from a plugin: `exec` or `auth-provider`. */
export interface PluginUser {
  readonly name: string;
  readonly exec?: unknown;
  readonly authProvider?: unknown;
}

/**
 * Credentials from client-node's authenticators (exec plugins, auth providers), loaded on the
 * first request. The plugin's token goes into the Authorization header; a client certificate it
 * gives goes with the request.
 */
export function pluginCredentials(user: PluginUser): Credentials {
  let kc: Promise<KubeConfig> | undefined;
  const load = async (): Promise<KubeConfig> => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const k = new KubeConfig();
    // The cluster is only there because client-node wants one: the request goes through hahaha's client.
    k.loadFromClusterAndUser({ name: 'hahaha', server: 'https://kubernetes.invalid', skipTLSVerify: false }, { name: user.name, exec: user.exec, authProvider: user.authProvider });
    return k;
  };
  return {
    kind: user.exec ? 'exec plugin (client-node)' : 'auth provider (client-node)',
    async authorize() {
      kc ??= load();
      const opts: { headers?: Record<string, string>; cert?: string | Buffer; key?: string | Buffer } = {};
      await (await kc).applyToHTTPSOptions(opts);
      const header = opts.headers?.Authorization ?? opts.headers?.authorization;
      return { ...(header ? { header } : {}), ...(opts.cert ? { cert: opts.cert } : {}), ...(opts.key ? { key: opts.key } : {}) };
    },
  };
}
