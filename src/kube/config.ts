// Where the apiserver is and how to reach it: a kubeconfig (one file, or several merged as kubectl
// merges $KUBECONFIG: the first file to set a name or current-context wins) or the in-cluster
// service account. What is read: current-context; the cluster's server, certificate-authority(-data),
// insecure-skip-tls-verify, tls-server-name; the user's client-certificate(-data) and
// client-key(-data), token, tokenFile, username/password, as/as-groups, and exec or auth-provider
// (run by client-node, see auth.ts). Paths are relative to the kubeconfig that names them.
// Anything missing or unsupported (proxy-url) is an error that names the file and the field.

import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { type Credentials, basicAuth, bearerToken, noCredentials, pluginCredentials, tokenFile } from './auth.ts';

export interface TlsSettings {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** False with insecure-skip-tls-verify. */
  readonly rejectUnauthorized: boolean;
  readonly servername?: string;
}

export interface ClusterConfig {
  /** The apiserver's URL, without a trailing slash. */
  readonly server: string;
  readonly tls: TlsSettings;
  readonly credentials: Credentials;
  /** Sent with every request (impersonation). */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** The context's namespace, if it names one. */
  readonly namespace?: string;
  /** Where this came from, for messages: "kubeconfig /path (context x)", "in-cluster". */
  readonly source: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An entry of clusters, users or contexts, with the file it came from. */
interface Entry {
  readonly name: string;
  readonly body: Obj;
  readonly file: string;
}

interface Merged {
  readonly files: readonly string[];
  currentContext?: { name: string; file: string };
  readonly clusters: Map<string, Entry>;
  readonly users: Map<string, Entry>;
  readonly contexts: Map<string, Entry>;
}

function readKubeconfig(file: string, into: Merged): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the kubeconfig ${file}: ${(e as Error).message}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  if (doc === null || doc === undefined) return;
  if (!isObj(doc)) throw new Error(`${file}: not a kubeconfig (a mapping with clusters, users and contexts)`);
  const current = doc['current-context'];
  if (typeof current === 'string' && current && !into.currentContext) into.currentContext = { name: current, file };
  const list = (key: 'clusters' | 'users' | 'contexts', field: 'cluster' | 'user' | 'context', map: Map<string, Entry>): void => {
    const v = doc[key];
    if (v === undefined || v === null) return;
    if (!Array.isArray(v)) throw new Error(`${file}: ${key} is not a list`);
    v.forEach((item: unknown, i) => {
      if (!isObj(item) || typeof item.name !== 'string' || !item.name) throw new Error(`${file}: ${key}[${i}] has no name`);
      const body = item[field] ?? {};
      if (!isObj(body)) throw new Error(`${file}: ${key}[${i}] (${item.name}): ${field} is not a mapping`);
      if (!map.has(item.name)) map.set(item.name, { name: item.name, body, file });
    });
  };
  list('clusters', 'cluster', into.clusters);
  list('users', 'user', into.users);
  list('contexts', 'context', into.contexts);
}

const str = (e: Entry, kind: string, field: string): string | undefined => {
  const v = e.body[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new Error(`${e.file}: ${kind} "${e.name}": ${field} is not a string`);
  return v;
};

/** A file named by an entry (relative to its kubeconfig's folder), read now. */
function fileField(e: Entry, kind: string, field: string): Buffer | undefined {
  const path = str(e, kind, field);
  if (!path) return undefined;
  const full = resolve(dirname(e.file), path);
  try {
    return readFileSync(full);
  } catch (err) {
    throw new Error(`${e.file}: ${kind} "${e.name}": cannot read ${field} ${full}: ${(err as Error).message}`, { cause: err });
  }
}

function dataField(e: Entry, kind: string, field: string): Buffer | undefined {
  const data = str(e, kind, field);
  if (!data) return undefined;
  const buf = Buffer.from(data, 'base64');
  if (!buf.length) throw new Error(`${e.file}: ${kind} "${e.name}": ${field} is not base64`);
  return buf;
}

function serverOf(e: Entry): string {
  const server = str(e, 'cluster', 'server');
  if (!server) throw new Error(`${e.file}: cluster "${e.name}": server is missing`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new Error(`${e.file}: cluster "${e.name}": server ${JSON.stringify(server)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${e.file}: cluster "${e.name}": server ${server} is not an http(s) URL`);
  return server.replace(/\/+$/, '');
}

/** The context's cluster, user and namespace, from kubeconfig files merged in order. */
export function loadKubeconfig(files: readonly string[], context?: string): ClusterConfig {
  if (!files.length) throw new Error('no kubeconfig file given');
  const merged: Merged = { files, clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const f of files) readKubeconfig(f, merged);
  const where = files.join(', ');
  const ctxName = context ?? merged.currentContext?.name;
  if (!ctxName) throw new Error(`${where}: current-context is not set`);
  const ctx = merged.contexts.get(ctxName);
  if (!ctx) throw new Error(`${context ? where : merged.currentContext?.file}: current-context "${ctxName}" names no context in ${where}`);
  const clusterName = str(ctx, 'context', 'cluster');
  if (!clusterName) throw new Error(`${ctx.file}: context "${ctx.name}": cluster is missing`);
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) throw new Error(`${ctx.file}: context "${ctx.name}": cluster "${clusterName}" is not among the clusters of ${where}`);
  const userName = str(ctx, 'context', 'user');
  const user = userName ? merged.users.get(userName) : undefined;
  if (userName && !user) throw new Error(`${ctx.file}: context "${ctx.name}": user "${userName}" is not among the users of ${where}`);

  if (str(cluster, 'cluster', 'proxy-url')) throw new Error(`${cluster.file}: cluster "${cluster.name}": proxy-url is not supported by hahaha's Kubernetes client`);
  const server = serverOf(cluster);
  const skip = cluster.body['insecure-skip-tls-verify'] === true;
  // As kubectl has it: the -data field overrides the file.
  const ca = dataField(cluster, 'cluster', 'certificate-authority-data') ?? fileField(cluster, 'cluster', 'certificate-authority');
  const servername = str(cluster, 'cluster', 'tls-server-name');

  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  let credentials: Credentials = noCredentials;
  const headers: Record<string, string | string[]> = {};
  if (user) {
    cert = dataField(user, 'user', 'client-certificate-data') ?? fileField(user, 'user', 'client-certificate');
    key = dataField(user, 'user', 'client-key-data') ?? fileField(user, 'user', 'client-key');
    if (cert && !key) throw new Error(`${user.file}: user "${user.name}": client-certificate without client-key`);
    if (key && !cert) throw new Error(`${user.file}: user "${user.name}": client-key without client-certificate`);
    const token = str(user, 'user', 'token');
    const file = str(user, 'user', 'tokenFile');
    const username = str(user, 'user', 'username');
    const exec = user.body.exec;
    const provider = user.body['auth-provider'];
    if (exec !== undefined && exec !== null && !isObj(exec)) throw new Error(`${user.file}: user "${user.name}": exec is not a mapping`);
    if (provider !== undefined && provider !== null && !isObj(provider)) throw new Error(`${user.file}: user "${user.name}": auth-provider is not a mapping`);
    if (exec || provider) credentials = pluginCredentials({ name: user.name, exec, authProvider: provider });
    // As client-go has it: the token file, re-read, wins over the token.
    else if (file) credentials = tokenFile(resolve(dirname(user.file), file));
    else if (token) credentials = bearerToken(token);
    else if (username) credentials = basicAuth(username, str(user, 'user', 'password') ?? '');
    const as = str(user, 'user', 'as');
    if (as) headers['Impersonate-User'] = as;
    const groups = user.body['as-groups'];
    if (groups !== undefined && groups !== null) {
      if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) throw new Error(`${user.file}: user "${user.name}": as-groups is not a list of strings`);
      if (groups.length) headers['Impersonate-Group'] = groups;
    }
    for (const unsupported of ['as-uid', 'as-user-extra']) {
      if (user.body[unsupported] !== undefined) throw new Error(`${user.file}: user "${user.name}": ${unsupported} is not supported by hahaha's Kubernetes client`);
    }
  }
  const namespace = str(ctx, 'context', 'namespace');
  return {
    server,
    tls: { rejectUnauthorized: !skip, ...(ca && !skip ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(servername ? { servername } : {}) },
    credentials,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(namespace ? { namespace } : {}),
    source: `kubeconfig ${where} (context ${ctxName})`,
  };
}

export const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The service account's folder (token, ca.crt, namespace). */
  readonly root?: string;
  /** Re-read the token when older than this (default 60 s). */
  readonly tokenMaxAgeMs?: number;
  readonly now?: () => number;
}

/**
 * The apiserver from inside a pod: KUBERNETES_SERVICE_HOST and _PORT, the service account's CA and
 * token (re-read, see auth.ts) and namespace. The token is read once now, so that a pod without
 * one fails at start with the reason.
 */
export function inClusterConfig(options: InClusterOptions = {}): ClusterConfig {
  const env = options.env ?? process.env;
  const root = options.root ?? SERVICE_ACCOUNT;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host) throw new Error('in-cluster: KUBERNETES_SERVICE_HOST is unset');
  if (!port) throw new Error('in-cluster: KUBERNETES_SERVICE_PORT is unset');
  // As client-node has it: plain HTTP on the usual insecure ports.
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  const read = (name: string, what: string): Buffer => {
    try {
      return readFileSync(`${root}/${name}`);
    } catch (e) {
      throw new Error(`in-cluster: cannot read the service account's ${what} ${root}/${name}: ${(e as Error).message}`, { cause: e });
    }
  };
  const ca = read('ca.crt', 'CA');
  if (!read('token', 'token').toString('utf8').trim()) throw new Error(`in-cluster: the service account's token ${root}/token is empty`);
  let namespace: string | undefined;
  try {
    namespace = readFileSync(`${root}/namespace`, 'utf8').trim() || undefined;
  } catch {
    namespace = undefined;
  }
  return {
    server,
    tls: { rejectUnauthorized: true, ca },
    credentials: tokenFile(`${root}/token`, { ...(options.tokenMaxAgeMs !== undefined ? { maxAgeMs: options.tokenMaxAgeMs } : {}), ...(options.now ? { now: options.now } : {}) }),
    ...(namespace ? { namespace } : {}),
    source: 'in-cluster',
  };
}
