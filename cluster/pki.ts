// The local cluster's PKI and kubeconfigs: one cluster CA, serving certificates for every TLS
// endpoint (apiserver, etcd, controller-manager, scheduler, kwok, simkubelet), client
// certificates for every Kubernetes identity, the service-account signing key, and the webhook
// bundle for hahaha (its own CA, as `hahaha certs` makes it). Made once per state dir with
// @peculiar/x509 (webhook-certs/certs.ts); kubeconfigs are rewritten on each `cluster:up` from the
// certificates and the apiserver port, byte for byte the same when nothing changed.

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { type KeyPairPem, type IssueOptions, createBundle, createCA, createKeyPair, issueCert, writeBundle } from '../webhook-certs/certs.ts';
import { CLUSTER_NAME, HOST, SERVICE_IP, type Paths } from './layout.ts';

const LOOPBACK = [HOST, 'localhost'];
const APISERVER_HOSTS = [
  ...LOOPBACK,
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  SERVICE_IP,
];

/** Every leaf certificate: file name (pki/<name>.crt and .key) and what it is. */
export const LEAVES: Readonly<Record<string, IssueOptions>> = {
  apiserver: { commonName: 'kube-apiserver', hosts: APISERVER_HOSTS, usages: ['server'] },
  'apiserver-kubelet-client': { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usages: ['client'] },
  'apiserver-etcd-client': { commonName: 'kube-apiserver-etcd-client', usages: ['client'] },
  etcd: { commonName: 'etcd', hosts: LOOPBACK, usages: ['server', 'client'] },
  admin: { commonName: 'kubernetes-admin', organizations: ['system:masters'], usages: ['client'] },
  'kube-controller-manager': { commonName: 'system:kube-controller-manager', usages: ['client'] },
  'kube-controller-manager-serving': { commonName: 'kube-controller-manager', hosts: LOOPBACK, usages: ['server'] },
  'kube-scheduler': { commonName: 'system:kube-scheduler', usages: ['client'] },
  'kube-scheduler-serving': { commonName: 'kube-scheduler', hosts: LOOPBACK, usages: ['server'] },
  kwok: { commonName: 'kwok', organizations: ['system:masters'], usages: ['client'] },
  'kwok-serving': { commonName: 'kwok', hosts: LOOPBACK, usages: ['server'] },
  // simkubelet patches pod status and deletes pods on all simulated nodes.
  simkubelet: { commonName: 'simkubelet', organizations: ['system:masters'], usages: ['client'] },
  'simkubelet-serving': { commonName: 'simkubelet', hosts: LOOPBACK, usages: ['server'] },
};

/** The identities that get a kubeconfig: kubeconfig/<user>.yaml with pki/<user>.crt. */
export const KUBECONFIG_USERS = ['admin', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'simkubelet'] as const;
export type KubeconfigUser = (typeof KUBECONFIG_USERS)[number];

async function atomicWrite(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

/** Write `data` unless the file already holds exactly that. Returns whether it wrote. */
export async function writeIfChanged(path: string, data: string, mode = 0o644): Promise<boolean> {
  if (existsSync(path) && (await readFile(path, 'utf8')) === data) return false;
  await atomicWrite(path, data, mode);
  return true;
}

/**
 * Make the PKI unless a complete one is there. Returns its id (a random UUID written last, so a
 * half-written PKI is never taken for a whole one); running components are restarted when it changes.
 */
export async function ensurePki(p: Paths): Promise<{ id: string; created: boolean }> {
  if (existsSync(p.pkiDone)) return { id: readFileSync(p.pkiDone, 'utf8').trim(), created: false };
  await rm(p.pki, { recursive: true, force: true });
  await rm(p.webhookCerts, { recursive: true, force: true });
  await mkdir(p.pki, { recursive: true, mode: 0o700 });
  const ca = await createCA(`${CLUSTER_NAME} cluster CA`);
  const write = async (name: string, pair: KeyPairPem): Promise<void> => {
    await atomicWrite(p.key(name), pair.key, 0o600);
    await atomicWrite(p.cert(name), pair.cert, 0o644);
  };
  await write('ca', ca);
  await Promise.all(Object.entries(LEAVES).map(async ([name, o]) => write(name, await issueCert(ca, o))));
  const sa = await createKeyPair();
  await atomicWrite(p.saKey, sa.privateKey, 0o600);
  await atomicWrite(p.saPub, sa.publicKey, 0o644);
  // The same as `hahaha certs --host 127.0.0.1 --host localhost --out <state>/webhook-certs`.
  await writeBundle(p.webhookCerts, await createBundle(LOOPBACK));
  const id = randomUUID();
  await atomicWrite(p.pkiDone, `${id}\n`, 0o644);
  return { id, created: true };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A self-contained kubeconfig (certificates embedded) for `user` against the local apiserver. */
export function kubeconfigText(p: Paths, user: KubeconfigUser, apiserverPort: number): string {
  const read = (f: string): string => readFileSync(f, 'utf8');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: CLUSTER_NAME, cluster: { server: `https://${HOST}:${apiserverPort}`, 'certificate-authority-data': b64(read(p.cert('ca'))) } },
    ],
    users: [{ name: user, user: { 'client-certificate-data': b64(read(p.cert(user))), 'client-key-data': b64(read(p.key(user))) } }],
    contexts: [{ name: `${user}@${CLUSTER_NAME}`, context: { cluster: CLUSTER_NAME, user, namespace: 'default' } }],
    'current-context': `${user}@${CLUSTER_NAME}`,
    preferences: {},
  });
}

/** (Re)write every kubeconfig; unchanged files are left alone. */
export async function writeKubeconfigs(p: Paths, apiserverPort: number): Promise<void> {
  await mkdir(p.kubeconfigs, { recursive: true, mode: 0o700 });
  for (const user of KUBECONFIG_USERS) await writeIfChanged(p.kubeconfig(user), kubeconfigText(p, user, apiserverPort), 0o600);
}
