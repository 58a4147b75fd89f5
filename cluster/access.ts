// hahaha's own identity in the local cluster: the namespace `hahaha`, the ServiceAccount and the
// minimal RBAC of deploy/rbac.yaml (applied as written, so a missing or excess permission shows in
// the e2e tests), and a kubeconfig that carries a bound token of that ServiceAccount. hahaha serve
// runs with that kubeconfig, never with the admin's.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { writeIfChanged } from './pki.ts';
import { CLUSTER_NAME, HOST, REPO, type Paths } from './layout.ts';
import type { Kube } from './kube.ts';

export const HAHAHA_NAMESPACE = 'hahaha';
export const HAHAHA_SERVICE_ACCOUNT = 'hahaha';
export const RBAC_FILE = join(REPO, 'deploy', 'rbac.yaml');
/** Tokens live a day; `cluster:up` mints a new one when the old one is past half its life. */
const TOKEN_SECONDS = 24 * 3600;

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** The URL of an object, for the kinds deploy/rbac.yaml holds. */
export function objectPath(o: Obj): string {
  const ns = o.metadata.namespace;
  switch (o.kind) {
    case 'Namespace':
      return `/api/v1/namespaces/${o.metadata.name}`;
    case 'ServiceAccount':
      return `/api/v1/namespaces/${ns}/serviceaccounts/${o.metadata.name}`;
    case 'ClusterRole':
    case 'ClusterRoleBinding':
      return `/apis/rbac.authorization.k8s.io/v1/${o.kind.toLowerCase()}s/${o.metadata.name}`;
    case 'Role':
    case 'RoleBinding':
      return `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/${o.kind.toLowerCase()}s/${o.metadata.name}`;
    default:
      throw new Error(`${RBAC_FILE}: no URL known for kind ${o.kind}`);
  }
}

export function rbacObjects(): Obj[] {
  return parseAllDocuments(readFileSync(RBAC_FILE, 'utf8')).map((d) => d.toJS() as Obj);
}

function e2eLeaseAccess(): Obj[] {
  const name = 'hahaha-e2e-leases';
  const meta = { name, namespace: HAHAHA_NAMESPACE };
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta, rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'] }] } as Obj,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: HAHAHA_SERVICE_ACCOUNT, namespace: HAHAHA_NAMESPACE }],
    } as Obj,
  ];
}

/** Apply the namespace and RBAC, and (re)write kubeconfig/hahaha.yaml with a fresh token when needed. */
export async function ensureHahahaAccess(kube: Kube, p: Paths, apiserverPort: number): Promise<'kept' | 'minted'> {
  await kube.apply(`/api/v1/namespaces/${HAHAHA_NAMESPACE}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: HAHAHA_NAMESPACE } });
  for (const o of rbacObjects()) await kube.apply(objectPath(o), o);
  // Test infrastructure, not hahaha's RBAC: the e2e suite's own hahaha processes each elect on a
  // Lease of their own name, which deploy/rbac.yaml (get and update of the "hahaha" Lease only) does not allow.
  for (const o of e2eLeaseAccess()) await kube.apply(objectPath(o), o);
  const file = p.kubeconfig('hahaha');
  let age = Infinity;
  try {
    age = (Date.now() - statSync(file).mtimeMs) / 1000;
  } catch {
    // none yet
  }
  if (age < TOKEN_SECONDS / 2) return 'kept';
  const review = await kube.post<{ status: { token: string } }>(
    `/api/v1/namespaces/${HAHAHA_NAMESPACE}/serviceaccounts/${HAHAHA_SERVICE_ACCOUNT}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: TOKEN_SECONDS } },
  );
  const user = `system:serviceaccount:${HAHAHA_NAMESPACE}:${HAHAHA_SERVICE_ACCOUNT}`;
  await writeIfChanged(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: CLUSTER_NAME, cluster: { server: `https://${HOST}:${apiserverPort}`, 'certificate-authority-data': Buffer.from(kube.tls.ca).toString('base64') } }],
      users: [{ name: user, user: { token: review.status.token } }],
      contexts: [{ name: `hahaha@${CLUSTER_NAME}`, context: { cluster: CLUSTER_NAME, user, namespace: HAHAHA_NAMESPACE } }],
      'current-context': `hahaha@${CLUSTER_NAME}`,
    }),
    0o600,
  );
  return 'minted';
}
