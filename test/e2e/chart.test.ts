// The Helm chart installed into the real control plane with `helm install`, in each certificate
// mode that needs no outside controller. The apiserver accepts every object (its own schema
// validation, and the restricted Pod Security level on the release namespace); `kubectl auth
// can-i --list` as the chart's ServiceAccount shows exactly the documented permissions; and hahaha,
// run from the working tree with the args the chart gave its Deployment, the ServiceAccount's token
// and the release namespace's Lease, completes a Naisjob-like Job through the installed webhook
// configurations (pointed at the local process with the test-only value webhook.url).

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, AppsV1Api, CoordinationV1Api } from '@kubernetes/client-node';
import type { Test } from 'tap';
import t from 'tap';
import { parseAllDocuments, stringify } from 'yaml';
import { REPO } from '../../cluster/layout.ts';
import { STATE_DOMAIN, STATE_KEY } from '../../src/core/annotations.ts';
import { CHART, run as helm } from '../chart/helm.ts';
import { NAISJOB_SIDECARS, P, cluster, containerOf, core, createJob, kc, kubectl, naisjob, namespace, onlyPod, podEvents, records, suffix, waitFor, waitJob } from './cluster.ts';

const NODE = process.execPath;
const MAIN = join(REPO, 'src', 'cli', 'main.ts');
const ADMIN = P.kubeconfig('admin');
const SELECTOR_LABEL = 'e2e.hahaha.nais.io/chart';

function exec(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(file, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

const freePort = (): Promise<number> =>
  new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });

interface Release {
  name: string;
  namespace: string;
  /** The chart's args of hahaha serve, as the apiserver stores the Deployment. */
  args: string[];
}

/**
 * `helm install` into a fresh namespace that enforces the restricted Pod Security level; removed
 * (helm uninstall, then the namespace) when the test ends.
 */
async function install(t: Test, mode: string, values: object): Promise<Release> {
  await cluster();
  const id = suffix();
  const name = `hahaha-${mode.toLowerCase()}-${id}`;
  const ns = `e2e-chart-${id}`;
  await core().createNamespace({
    body: { metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } } },
  });
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-chart-e2e-'));
  t.teardown(async () => {
    await rm(dir, { recursive: true, force: true });
    if (process.env.HAHAHA_E2E_KEEP) return;
    await helm(['uninstall', name, '--namespace', ns, '--kubeconfig', ADMIN]);
    await core().deleteNamespace({ name: ns }).catch(() => undefined);
  });
  const file = join(dir, 'values.yaml');
  await writeFile(file, stringify(values));
  const r = await helm(['install', name, CHART, '--namespace', ns, '--kubeconfig', ADMIN, '-f', file]);
  t.equal(r.code, 0, `helm install (${mode}): the apiserver accepted every object${r.code ? `: ${r.stderr}` : ''}`);
  if (r.code !== 0) throw new Error(r.stderr);
  const d = await kc().makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: ns });
  const args = d.spec?.template.spec?.containers[0]?.args ?? [];
  // The ReplicaSet's pods are admitted under the restricted level (a violation would refuse them).
  const pods = await waitFor(`the two pods of Deployment ${name}`, async () => {
    const list = await core().listNamespacedPod({ namespace: ns, labelSelector: `app.kubernetes.io/name=hahaha,app.kubernetes.io/instance=${name}` });
    return list.items.length === 2 ? list.items : undefined;
  }, 30_000);
  t.equal(pods.length, 2, 'the restricted Pod Security level admitted both replicas');
  return { name, namespace: ns, args };
}

/** A kubeconfig with a fresh token of the chart's ServiceAccount (TokenRequest API). */
async function serviceAccountKubeconfig(r: Release, dir: string): Promise<string> {
  const tr = await core().createNamespacedServiceAccountToken({ name: r.name, namespace: r.namespace, body: { spec: { expirationSeconds: 3600 } } });
  const admin = parseAllDocuments(await readFile(ADMIN, 'utf8'))[0]!.toJS() as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[] };
  const c = admin.clusters[0]!.cluster;
  const file = join(dir, 'sa.yaml');
  await writeFile(file, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'sa',
    clusters: [{ name: 'local', cluster: { server: c.server, 'certificate-authority-data': c['certificate-authority-data'] } }],
    users: [{ name: 'sa', user: { token: tr.status?.token } }],
    contexts: [{ name: 'sa', context: { cluster: 'local', user: 'sa', namespace: r.namespace } }],
  }), { mode: 0o600 });
  return file;
}

interface Local { child: ChildProcess; logs: string }

/** hahaha from the working tree with the chart's args, as the chart's ServiceAccount, in its namespace. */
async function runAsChart(t: Test, r: Release, o: { port: number; kubeconfig: string; extra: string[] }): Promise<Local> {
  const identity = `local-${suffix()}`;
  // parseArgs lets the last occurrence of a flag win: the chart's args, then the local overrides.
  const args = [...r.args, '--address', '127.0.0.1', '--port', String(o.port), '--metrics-port', '0', '--kubeconfig', o.kubeconfig, ...o.extra];
  t.equal(r.args[0], 'serve');
  const child = spawn(NODE, [MAIN, ...args], {
    env: { PATH: process.env.PATH, POD_NAME: identity, POD_NAMESPACE: r.namespace },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const local: Local = { child, logs: '' };
  child.stdout.on('data', (c: Buffer) => (local.logs += c.toString()));
  child.stderr.on('data', (c: Buffer) => (local.logs += c.toString()));
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((res) => child.once('exit', res));
    child.kill('SIGTERM');
    await exited;
  });
  await waitFor('the local hahaha to sync its pod cache', async () => {
    if (child.exitCode !== null) throw new Error(`hahaha exited ${child.exitCode}: ${local.logs}`);
    return local.logs.includes('pod cache synced');
  }, 30_000);
  const lease = await waitFor(`the Lease ${r.name} in ${r.namespace}`, async () => {
    const l = await kc().makeApiClient(CoordinationV1Api).readNamespacedLease({ name: r.name, namespace: r.namespace }).catch(() => undefined);
    return l?.spec?.holderIdentity === identity ? l : undefined;
  }, 30_000);
  t.equal(lease.spec?.holderIdentity, identity, 'the local hahaha leads on the chart\'s Lease, in the release namespace');
  return local;
}

/** A Naisjob-shaped Job that only this release's selector matches: annotated by the webhook, completed by the controller. */
async function naisjobCompletes(t: Test, selectorValue: string): Promise<void> {
  const ns = await namespace(t, 'chartjob');
  await createJob(naisjob({ name: 'dataloader', namespace: ns, sidecars: NAISJOB_SIDECARS, unmanaged: true, labels: { [SELECTOR_LABEL]: selectorValue }, mainRun: '2s:0' }));
  const pod = await onlyPod(ns, 'dataloader');
  t.match(pod.metadata?.annotations, {
    'hahaha.nais.io/main-container': 'dataloader',
    'shutdown.hahaha.nais.io/cloudsql-proxy': 'POST :9091/quitquitquit',
    'shutdown.hahaha.nais.io/vks-sidecar': 'exec /bin/kill -s INT 1',
  }, 'the apiserver called the chart\'s mutating webhook configuration');
  await waitJob(ns, 'dataloader', 'complete', 60_000);
  const killing = await podEvents(ns, pod.metadata!.name!, 'Killing');
  t.same(killing.map(containerOf).sort(), ['cloudsql-proxy', 'secure-logs-configmap-reload', 'secure-logs-fluentd', 'vks-sidecar'], 'each sidecar shut down once');
  t.ok(killing.every((e) => e.reportingController === 'hahaha'));
}

// ---- kubectl auth can-i --list ----

interface Row { resource: string; names: string; verbs: string }
function canI(text: string): Row[] {
  const lines = text.split('\n').filter(Boolean);
  const header = lines[0] ?? '';
  const at = (col: string) => header.indexOf(col);
  const [nonResource, names, verbs] = [at('Non-Resource URLs'), at('Resource Names'), at('Verbs')];
  return lines.slice(1)
    .map((l) => ({ resource: l.slice(0, nonResource).trim(), names: l.slice(names, verbs).trim(), verbs: l.slice(verbs).trim() }))
    .filter((r) => r.resource !== '');
}
const key = (r: Row) => `${r.resource} ${r.names} ${r.verbs}`;

/** What the ServiceAccount may do in `ns` beyond what every ServiceAccount may do. */
async function permissions(r: Release, ns: string): Promise<string[]> {
  const baseline = new Set(canI(await kubectl(['auth', 'can-i', '--list', '-n', ns, '--as', `system:serviceaccount:${r.namespace}:default`])).map(key));
  return canI(await kubectl(['auth', 'can-i', '--list', '-n', ns, '--as', `system:serviceaccount:${r.namespace}:${r.name}`])).map(key).filter((k) => !baseline.has(k)).sort();
}

/** The rows deploy/rbac.yaml documents, as can-i prints them (ClusterRole everywhere, Role in the release namespace). */
/** deploy/rbac.yaml's rules as `kubectl auth can-i --list` rows; its Lease name "hahaha" is the release's name. */
async function documented(inReleaseNamespace: boolean, release: string): Promise<string[]> {
  const docs = parseAllDocuments(await readFile(join(REPO, 'deploy', 'rbac.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; rules?: { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }[] });
  const rows: string[] = [];
  for (const d of docs) {
    if (d.kind !== 'ClusterRole' && !(d.kind === 'Role' && inReleaseNamespace)) continue;
    for (const rule of d.rules ?? []) {
      const names = (rule.resourceNames ?? []).map((n) => (n === 'hahaha' ? release : n)).join(' ');
      for (const g of rule.apiGroups) for (const res of rule.resources) rows.push(`${g ? `${res}.${g}` : res} [${names}] [${rule.verbs.join(' ')}]`);
    }
  }
  return rows.sort();
}

// ---- the tests ----

/** For a hahaha run locally with files: a CA and serving pair in a temp folder, a free port for its webhooks, a selector of its own. */
async function localWebhook(t: Test): Promise<{ dir: string; port: number; selectorValue: string; ca: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-chart-certs-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const certs = await exec(NODE, [MAIN, 'certs', '--host', '127.0.0.1', '--host', 'localhost', '--out', dir]);
  t.equal(certs.code, 0, certs.stderr);
  return { dir, port: await freePort(), selectorValue: suffix(), ca: await readFile(join(dir, 'ca.crt')) };
}

t.test('existingSecret: helm install, exactly the documented permissions, and a Naisjob-like Job completes through the installed configuration', async (t) => {
  const { dir, port, selectorValue, ca } = await localWebhook(t);
  const secretName = 'webhook-tls';
  const values = {
    selector: `${SELECTOR_LABEL}=${selectorValue}`,
    shutdownGrace: '3s',
    maxAttempts: 3,
    webhook: { url: `https://127.0.0.1:${port}`, validatingFailurePolicy: 'Fail' },
    certificates: { mode: 'existingSecret', existingSecret: { name: secretName, caBundle: ca.toString('base64') } },
  };
  const r = await install(t, 'existing', values);
  // The Secret the Deployment mounts (its pods are simulated, so nothing reads it; the local process reads the same files).
  await core().createNamespacedSecret({
    namespace: r.namespace,
    body: { metadata: { name: secretName }, type: 'kubernetes.io/tls', data: { 'tls.crt': (await readFile(join(dir, 'tls.crt'))).toString('base64'), 'tls.key': (await readFile(join(dir, 'tls.key'))).toString('base64') } },
  });

  const mutating = await kc().makeApiClient(AdmissionregistrationV1Api).readMutatingWebhookConfiguration({ name: `00-${r.name}` });
  t.equal(mutating.webhooks?.[0]?.clientConfig.caBundle, ca.toString('base64'), 'the caBundle is the given CA');
  t.same(mutating.webhooks?.[0]?.objectSelector?.matchExpressions, [{ key: SELECTOR_LABEL, operator: 'In', values: [selectorValue] }]);

  t.same(await permissions(r, r.namespace), await documented(true, r.name), 'in the release namespace: deploy/rbac.yaml\'s ClusterRole and Role, nothing more');
  const elsewhere = await namespace(t, 'cani');
  t.same(await permissions(r, elsewhere), await documented(false, r.name), 'elsewhere: the ClusterRole only (no Lease access)');

  const kubeconfig = await serviceAccountKubeconfig(r, dir);
  await runAsChart(t, r, { port, kubeconfig, extra: ['--cert-file', join(dir, 'tls.crt'), '--key-file', join(dir, 'tls.key'), '--retry-backoff', '1s'] });
  await naisjobCompletes(t, selectorValue);
});

interface Answer { status: number; message: string }

/** A raw request with the token of a kubeconfig made by serviceAccountKubeconfig: the status and the apiserver's message. */
async function requestAs(kubeconfig: string, method: string, path: string, body?: { type: string; data: unknown }): Promise<Answer> {
  const conf = parseAllDocuments(await readFile(kubeconfig, 'utf8'))[0]!.toJS() as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]; users: { user: { token: string } }[] };
  const url = new URL(conf.clusters[0]!.cluster.server);
  const payload = body === undefined ? undefined : JSON.stringify(body.data);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: url.hostname, port: url.port, method, path, ca: Buffer.from(conf.clusters[0]!.cluster['certificate-authority-data'], 'base64'),
        headers: { Authorization: `Bearer ${conf.users[0]!.user.token}`, ...(body ? { 'Content-Type': body.type } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        // The apiserver's Status message; a success answers with the object, whose text is left out.
        res.on('end', () => resolve({ status: res.statusCode ?? 0, message: ((): string => { try { return (JSON.parse(text) as { message?: string }).message ?? ((res.statusCode ?? 0) < 300 ? '' : text); } catch { return text; } })() }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A raw exec request with the ServiceAccount's token (POST, no upgrade): admission answers before any stream opens. */
function execAs(kubeconfig: string, ns: string, pod: string, argv: string[]): Promise<Answer> {
  const query = [...argv.map((a) => `command=${encodeURIComponent(a)}`), 'container=c', 'stdout=true'].join('&');
  return requestAs(kubeconfig, 'POST', `/api/v1/namespaces/${ns}/pods/${pod}/exec?${query}`);
}

/** A raw port-forward request (POST, no upgrade): admission sees a CONNECT of pods/portforward before anything is forwarded. */
function portForwardAs(kubeconfig: string, ns: string, pod: string, port: number): Promise<Answer> {
  return requestAs(kubeconfig, 'POST', `/api/v1/namespaces/${ns}/pods/${pod}/portforward?ports=${port}`);
}

/** A JSON patch of a pod as the token's owner, as hahaha writes its state. */
function patchAs(kubeconfig: string, ns: string, pod: string, patch: object[]): Promise<Answer> {
  return requestAs(kubeconfig, 'PATCH', `/api/v1/namespaces/${ns}/pods/${pod}`, { type: 'application/json-patch+json', data: patch });
}

t.test('least privilege: with namespaces, exec only there; the exec admission policy refuses a command outside the exec policy from hahaha\'s own token', async (t) => {
  const { dir, ca } = await localWebhook(t);
  const managed = await namespace(t, 'scoped');
  const r = await install(t, 'scoped', {
    selector: `${SELECTOR_LABEL}=${suffix()}`,
    namespaces: [managed],
    allowExec: ['/bin/true *'],
    webhook: { url: 'https://127.0.0.1:9', validatingFailurePolicy: 'Ignore' },
    certificates: { mode: 'existingSecret', existingSecret: { name: 'webhook-tls', caBundle: ca.toString('base64') } },
  });
  const inManaged = await permissions(r, managed);
  t.ok(inManaged.includes('pods/exec [] [create get]'), `exec in ${managed}`);
  t.ok(inManaged.includes('pods [] [get list watch patch]'), `pods in ${managed}: ${inManaged.join('; ')}`);
  const elsewhere = await namespace(t, 'unscoped');
  const outside = await permissions(r, elsewhere);
  t.notOk(outside.some((row) => /^pods/.test(row) || /^events/.test(row)), `no pods, exec, port-forward or events elsewhere: ${outside.join('; ')}`);
  t.same(outside, ['nodes [] [list watch]'], 'only the cluster-wide Node versions');

  await core().createNamespacedPod({ namespace: managed, body: { metadata: { name: 'target' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
  await waitFor('the pod to run', async () => (await core().readNamespacedPod({ name: 'target', namespace: managed })).status?.phase === 'Running', 30_000);
  const kubeconfig = await serviceAccountKubeconfig(r, dir);
  // The apiserver loads a new policy within a few seconds.
  const refused = await waitFor('the exec policy to be enforced', async () => {
    const r2 = await execAs(kubeconfig, managed, 'target', ['/bin/sh', '-c', 'id']);
    return r2.status === 403 ? r2 : undefined;
  }, 20_000);
  t.equal(refused.status, 403, 'CONNECT pods/exec is seen by admission, and refused (Forbidden)');
  t.match(refused.message, `ValidatingAdmissionPolicy '${r.name}-exec' with binding '${r.name}-exec' denied request: hahaha may exec only the commands of its exec policy, not: /bin/sh -c id`);
  const wildcard = await execAs(kubeconfig, managed, 'target', ['/bin/true', 'anything']);
  t.same([wildcard.status, wildcard.message], [400, 'Upgrade request required'], 'an allowExec pattern passes admission (and only then asks for the stream upgrade)');
  const catalog = await execAs(kubeconfig, managed, 'target', ['/bin/kill', '-s', 'INT', '1']);
  t.same([catalog.status, catalog.message], [400, 'Upgrade request required'], 'a catalog command passes admission');
  const admin = await kubectl(['exec', '-n', managed, 'target', '-c', 'c', '--', '/bin/sh', '-c', 'id']).catch((e: Error) => e.message);
  t.notMatch(admin, /exec policy/, 'other users are not limited by it');

  // RBAC granted in a namespace outside `namespaces` by some other binding: the admission policy still refuses.
  await kubectl(['create', 'rolebinding', 'extra-grant', '-n', elsewhere, `--clusterrole=${r.name}`, `--serviceaccount=${r.namespace}:${r.name}`]);
  await core().createNamespacedPod({ namespace: elsewhere, body: { metadata: { name: 'outside' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
  await waitFor('the pod outside to run', async () => (await core().readNamespacedPod({ name: 'outside', namespace: elsewhere })).status?.phase === 'Running', 30_000);
  t.match(await kubectl(['auth', 'can-i', 'create', 'pods', '--subresource=portforward', '-n', elsewhere, '--as', `system:serviceaccount:${r.namespace}:${r.name}`]), /^yes/, 'RBAC now says yes outside the managed namespaces');
  const outsideRefusal = `ValidatingAdmissionPolicy '${r.name}-scope' with binding '${r.name}-scope' denied request: hahaha may %s pods only in the namespaces it manages (${managed}), not in ${elsewhere}`;
  const e1 = await waitFor('the RoleBinding to be seen', async () => {
    const a = await execAs(kubeconfig, elsewhere, 'outside', ['/bin/kill', '-s', 'INT', '1']);
    return a.status === 403 && a.message.includes('-scope') ? a : undefined;
  }, 20_000);
  deniedWith(t, e1, outsideRefusal.replace('%s', 'exec into'), 'exec outside `namespaces`: refused by the policy, whatever RBAC says');
  deniedWith(t, await portForwardAs(kubeconfig, elsewhere, 'outside', 80), outsideRefusal.replace('%s', 'port-forward to'), 'port-forward outside `namespaces`: refused');
  deniedWith(t, await patchAs(kubeconfig, elsewhere, 'outside', [{ op: 'add', path: '/metadata/annotations', value: { [STATE_KEY]: '{}' } }]), outsideRefusal.replace('%s', 'update'), 'a state write outside `namespaces`: refused');
});

/** The answer is a 403 whose message ends with `message` (the apiserver puts `pods "NAME" is forbidden: ` before it). */
function deniedWith(t: Test, a: Answer, message: string, what: string): void {
  t.same([a.status, a.message.slice(a.message.indexOf(': ') + 2)], [403, message], what);
  t.match(a.message, /^pods "[^"]+" is forbidden: /);
}

/** A JSON pointer to an annotation. */
const annotationPath = (key: string): string => `/metadata/annotations/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;

/** A pod of 250 containers (the webhook's bound), each with the fields that make a pod large; never scheduled. */
function bigPod(name: string): object {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, labels: { app: name }, annotations: { 'example.com/note': 'big' } },
    spec: {
      nodeSelector: { 'e2e.hahaha.nais.io/nowhere': 'true' },
      containers: Array.from({ length: 250 }, (_, i) => ({
        name: `c${i}`,
        image: `registry.example.com/team/sidecar-${i}:1.0.${i}`,
        args: Array.from({ length: 8 }, (_, j) => `--flag-${j}=value-${i}-${j}`),
        env: Array.from({ length: 16 }, (_, j) => ({ name: `ENV_${j}`, value: `container ${i} variable ${j} ${'x'.repeat(24)}` })),
        ports: [{ name: `p${i}`, containerPort: 10_000 + i }],
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
        readinessProbe: { httpGet: { path: '/ready', port: 10_000 + i }, periodSeconds: 10 },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      })),
    },
  };
}

t.test('defaults: hahaha\'s token neither execs nor port-forwards into kube-system or its own namespace; it patches only the state annotation of a pod, and nobody else writes that', async (t) => {
  const selectorValue = suffix();
  // The chart's defaults (namespaces: [], every policy on); the webhooks point nowhere (they fail
  // open until the managed pod exists; then the validating one fails closed, so that only its
  // matchCondition lets hahaha's state writes through).
  const r = await install(t, 'policy', { selector: `${SELECTOR_LABEL}=${selectorValue}`, webhook: { url: 'https://127.0.0.1:9' } });
  const sa = `system:serviceaccount:${r.namespace}:${r.name}`;
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-chart-policy-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const kubeconfig = await serviceAccountKubeconfig(r, dir);
  t.comment(`kubectl auth can-i --list --as ${sa} (beyond a ServiceAccount's baseline), elsewhere:\n${(await permissions(r, 'default')).join('\n')}`);

  // The apiserver compiled and type-checked each policy (against Pod where the policy matches pods).
  for (const name of ['scope', 'state', 'exec']) {
    const p = await waitFor(`policy ${r.name}-${name} checked`, async () => {
      const o = JSON.parse(await kubectl(['get', 'validatingadmissionpolicy', `${r.name}-${name}`, '-o', 'json'])) as { metadata: { generation: number }; status?: { observedGeneration?: number; typeChecking?: { expressionWarnings?: { fieldRef: string; warning: string }[] } } };
      return o.status?.observedGeneration === o.metadata.generation ? o : undefined;
    }, 30_000);
    t.same(p.status?.typeChecking?.expressionWarnings ?? [], [], `${r.name}-${name}: no type-checking warnings`);
  }

  // ---- exec and port-forward: never into kube-system or the release namespace ----
  const never = (what: string, ns: string): string =>
    `ValidatingAdmissionPolicy '${r.name}-scope' with binding '${r.name}-scope' denied request: hahaha may not ${what} pods in ${ns}: it never manages kube-system, kube-public, kube-node-lease, ${r.namespace}`;
  for (const ns of ['kube-system', r.namespace]) {
    t.match(await kubectl(['auth', 'can-i', 'create', 'pods', '--subresource=exec', '-n', ns, '--as', sa]), /^yes/, `RBAC alone would let hahaha exec in ${ns} (bound cluster-wide)`);
  }
  const ownPod = (await core().listNamespacedPod({ namespace: r.namespace, labelSelector: `app.kubernetes.io/instance=${r.name}` })).items[0]!.metadata!.name!;
  const e1 = await waitFor('the scope policy to be enforced', async () => {
    const a = await execAs(kubeconfig, 'kube-system', 'kube-apiserver', ['/bin/kill', '-s', 'INT', '1']);
    return a.status === 403 ? a : undefined;
  }, 30_000);
  deniedWith(t, e1, never('exec into', 'kube-system'), 'exec into kube-system, even a command of the exec policy: 403 from the policy');
  deniedWith(t, await execAs(kubeconfig, r.namespace, ownPod, ['/bin/kill', '-s', 'INT', '1']), never('exec into', r.namespace), 'exec into hahaha\'s own pod: 403');
  deniedWith(t, await portForwardAs(kubeconfig, 'kube-system', 'kube-apiserver', 443), never('port-forward to', 'kube-system'), 'port-forward into kube-system: 403');
  deniedWith(t, await portForwardAs(kubeconfig, r.namespace, ownPod, 8443), never('port-forward to', r.namespace), 'port-forward to hahaha\'s own pod: 403');
  for (const ns of ['kube-public', 'kube-node-lease']) {
    deniedWith(t, await portForwardAs(kubeconfig, ns, 'any', 80), never('port-forward to', ns), `port-forward into ${ns}: 403`);
  }
  // hahaha's own pods have no annotations: the record is added whole, as hahaha writes it then.
  deniedWith(t, await patchAs(kubeconfig, r.namespace, ownPod, [{ op: 'add', path: '/metadata/annotations', value: { [STATE_KEY]: '{}' } }]), never('update', r.namespace), 'a state write to hahaha\'s own pod: 403');

  // A managed pod elsewhere: exec (a command of the exec policy) and port-forward pass admission.
  const ns = await namespace(t, 'policy');
  await core().createNamespacedPod({ namespace: ns, body: { metadata: { name: 'managed', labels: { [SELECTOR_LABEL]: selectorValue, app: 'managed' }, annotations: { 'example.com/note': 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } } });
  await waitFor('the managed pod to run', async () => (await core().readNamespacedPod({ name: 'managed', namespace: ns })).status?.phase === 'Running', 30_000);
  const ex = await execAs(kubeconfig, ns, 'managed', ['/bin/kill', '-s', 'INT', '1']);
  t.same([ex.status, ex.message], [400, 'Upgrade request required'], 'exec into a managed pod passes admission');
  const pf = await portForwardAs(kubeconfig, ns, 'managed', 4191);
  t.same([pf.status, pf.message], [400, 'Upgrade request required'], 'port-forward to a managed pod passes admission');

  // ---- hahaha's state writes: the state annotation, nothing else ----
  const state = (o: object): string => JSON.stringify(o);
  const put = (value: string, old?: string): object[] => [
    ...(old === undefined ? [] : [{ op: 'test', path: annotationPath(STATE_KEY), value: old }]),
    { op: old === undefined ? 'add' : 'replace', path: annotationPath(STATE_KEY), value },
  ];
  const up = await helm(['upgrade', r.name, CHART, '--namespace', r.namespace, '--kubeconfig', ADMIN, '--reuse-values', '--set', 'webhook.validatingFailurePolicy=Fail']);
  t.equal(up.code, 0, `helm upgrade to a validating webhook that fails closed${up.code ? `: ${up.stderr}` : ''}`);
  const admin = await waitFor('the down webhook to fail closed', async () => {
    const m = await kubectl(['label', 'pod', '-n', ns, 'managed', `x=${suffix()}`, '--overwrite']).then(() => '', (e: Error) => e.message);
    return /failed calling webhook "validate\.hahaha\.nais\.io"/.test(m) ? m : undefined;
  }, 30_000);
  t.ok(admin, 'the admin\'s update of the managed pod waits on the down webhook, and is refused');
  const first = await patchAs(kubeconfig, ns, 'managed', put(state({ round: 0 })));
  t.equal(first.status, 200, `hahaha adds its state annotation to a managed pod, though its own validating webhook is down under Fail${first.message && `: ${first.message}`}`);
  const next = await patchAs(kubeconfig, ns, 'managed', put(state({ round: 1 }), state({ round: 0 })));
  t.equal(next.status, 200, `and replaces it, conditional on the old value${next.message && `: ${next.message}`}`);
  const stale = await patchAs(kubeconfig, ns, 'managed', put(state({ round: 9 }), state({ round: 0 })));
  t.equal(stale.status, 422, 'a write whose test op saw a stale value is refused by the JSON patch (exclusivity)');
  const bare = `bare-${suffix()}`;
  await core().createNamespacedPod({ namespace: ns, body: { metadata: { name: bare }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } } });
  const whole = await patchAs(kubeconfig, ns, bare, [{ op: 'add', path: '/metadata/annotations', value: { [STATE_KEY]: state({ round: 0 }) } }]);
  t.equal(whole.status, 200, `a pod without annotations gets them whole${whole.message && `: ${whole.message}`}`);

  const onlyState = (what: string): string => `ValidatingAdmissionPolicy '${r.name}-scope' with binding '${r.name}-scope' denied request: hahaha may change only the ${STATE_DOMAIN} annotations of a pod, not ${what}`;
  const denied: [string, object[], string][] = [
    ['a label', [...put(state({ round: 2 }), state({ round: 1 })), { op: 'add', path: '/metadata/labels/extra', value: 'x' }], onlyState('its labels: extra')],
    ['a label removed', [{ op: 'remove', path: `/metadata/labels/${SELECTOR_LABEL.replace('/', '~1')}` }], onlyState(`its labels: ${SELECTOR_LABEL}`)],
    ['another annotation', [...put(state({ round: 2 }), state({ round: 1 })), { op: 'add', path: annotationPath('example.com/other'), value: 'x' }], onlyState('example.com/other')],
    ['another annotation changed', [{ op: 'replace', path: annotationPath('example.com/note'), value: 'b' }], onlyState('example.com/note')],
    ['the image', [...put(state({ round: 2 }), state({ round: 1 })), { op: 'replace', path: '/spec/containers/0/image', value: 'busybox:2' }], onlyState('its spec')],
    ['activeDeadlineSeconds', [{ op: 'add', path: '/spec/activeDeadlineSeconds', value: 1 }], onlyState('its spec')],
    ['a finalizer', [{ op: 'add', path: '/metadata/finalizers', value: ['example.com/hold'] }], onlyState('its finalizers')],
    ['an owner', [{ op: 'add', path: '/metadata/ownerReferences', value: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: '6b1c0a4e-0000-4000-8000-000000000000' }] }], onlyState('its ownerReferences')],
  ];
  for (const [what, patch, message] of denied) {
    deniedWith(t, await patchAs(kubeconfig, ns, 'managed', patch), message, `hahaha's patch that also changes ${what}: 403`);
  }
  const pod = await core().readNamespacedPod({ name: 'managed', namespace: ns });
  t.same([pod.metadata?.annotations?.[STATE_KEY], pod.spec?.containers[0]?.image, pod.metadata?.labels?.extra, pod.metadata?.finalizers], [state({ round: 1 }), 'busybox:1', undefined, undefined], 'nothing of a refused patch was written');

  // ---- everyone else: never the state annotations ----
  const plain = 'plain';
  await core().createNamespacedPod({ namespace: ns, body: { metadata: { name: plain, annotations: { 'example.com/note': 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } } });
  t.equal((await patchAs(kubeconfig, ns, plain, put(state({ round: 0 })))).status, 200, 'hahaha writes the state of an unmanaged pod too (the policy does not know the selector)');
  const stateDenied = (what: string): RegExp => new RegExp(`ValidatingAdmissionPolicy '${r.name}-state' with binding '${r.name}-state' denied request: ${what.replaceAll('.', '\\.')}: the ${STATE_DOMAIN.replaceAll('.', '\\.')} annotations are hahaha's record of the pod's shutdown \\(claims, rounds, retry budget\\), written only by ${sa}`);
  const forged = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'forged', namespace: ns, annotations: { [STATE_KEY]: state({ gaveUp: true }) } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
  t.match(await kubectl(['create', '-f', '-'], JSON.stringify(forged)).catch((e: Error) => e.message), stateDenied(`a pod may not be created with ${STATE_KEY}`), 'a pod created with a state annotation: denied');
  const other = `${STATE_DOMAIN}/v2`;
  const forgedOther = { ...forged, metadata: { ...forged.metadata, annotations: { [other]: 'x' } } };
  t.match(await kubectl(['create', '-f', '-'], JSON.stringify(forgedOther)).catch((e: Error) => e.message), stateDenied(`a pod may not be created with ${other}`), 'any key of the domain');
  t.match(await kubectl(['annotate', 'pod', '-n', ns, plain, `${STATE_KEY}=${state({ round: 0, failedAt: 0 })}`, '--overwrite']).catch((e: Error) => e.message), stateDenied(`you may not change ${STATE_KEY}`), 'the admin changes it: denied');
  t.match(await kubectl(['annotate', 'pod', '-n', ns, plain, `${STATE_KEY}-`]).catch((e: Error) => e.message), stateDenied(`you may not remove ${STATE_KEY}`), 'the admin removes it (a reset of the retry budget): denied');
  t.match(await kubectl(['annotate', 'pod', '-n', ns, plain, `${other}=x`]).catch((e: Error) => e.message), stateDenied(`you may not add ${other}`), 'the admin adds another key of the domain: denied');
  await kubectl(['annotate', 'pod', '-n', ns, plain, 'example.com/note=b', '--overwrite']);
  await kubectl(['label', 'pod', '-n', ns, plain, 'team=e2e']);
  const after = await core().readNamespacedPod({ name: plain, namespace: ns });
  t.same([after.metadata?.annotations?.['example.com/note'], after.metadata?.labels?.team, after.metadata?.annotations?.[STATE_KEY]], ['b', 'e2e', state({ round: 0 })], 'other annotations and labels of a pod with a state annotation: changed as before');

  // ---- a pod of 250 containers: within the CEL cost limits ----
  await kubectl(['create', '-n', ns, '-f', '-'], JSON.stringify(bigPod('big')));
  const record = state({ sidecars: Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`c${i}`, { round: 5, step: 2, claimedAt: 1_790_000_000_000, failedAt: 1_790_000_030_000, restarts: 3, firstRestarts: 0, gaveUp: true }])), reported: Array.from({ length: 250 }, (_, i) => `SidecarExitedNonZero/c${i}`) });
  t.ok(record.length > 30_000, `a record of ${record.length} characters`);
  const big1 = await patchAs(kubeconfig, ns, 'big', put(record));
  t.equal(big1.status, 200, `hahaha writes the state of a 250-container pod (the whole spec compared)${big1.message && `: ${big1.message}`}`);
  const big2 = await patchAs(kubeconfig, ns, 'big', [...put(`${record} `, record), { op: 'replace', path: '/spec/containers/249/image', value: 'registry.example.com/other:1' }]);
  deniedWith(t, big2, onlyState('its spec'), 'and the last container\'s image changed with it is seen');
  await kubectl(['annotate', 'pod', '-n', ns, 'big', 'example.com/note=still', '--overwrite']);
  t.match(await kubectl(['annotate', 'pod', '-n', ns, 'big', `${STATE_KEY}=x`, '--overwrite']).catch((e: Error) => e.message), stateDenied(`you may not change ${STATE_KEY}`), 'the admin cannot change it there either');
});

t.test('split: the webhooks\' ServiceAccount cannot exec, port-forward, or read pods and events anywhere; the controller\'s can', async (t) => {
  const { ca } = await localWebhook(t);
  const r = await install(t, 'split', {
    selector: `${SELECTOR_LABEL}=${suffix()}`,
    split: { enabled: true },
    webhook: { url: 'https://127.0.0.1:9', validatingFailurePolicy: 'Ignore' },
    certificates: { mode: 'existingSecret', existingSecret: { name: 'webhook-tls', caBundle: ca.toString('base64') } },
  });
  const controllerPods = await waitFor('the controller Deployment\'s two pods', async () => {
    const list = await core().listNamespacedPod({ namespace: r.namespace, labelSelector: `app.kubernetes.io/name=hahaha-controller,app.kubernetes.io/instance=${r.name}` });
    return list.items.length === 2 ? list.items : undefined;
  }, 30_000);
  t.equal(controllerPods.length, 2, 'the restricted Pod Security level admitted the controller\'s pods too');
  const elsewhere = await namespace(t, 'splitcani');
  for (const ns of [r.namespace, elsewhere]) {
    const webhook = await permissions({ ...r, name: `${r.name}-webhook` }, ns);
    t.notOk(webhook.some((row) => /^(pods|events)/.test(row)), `webhooks in ${ns === r.namespace ? 'the release namespace' : 'another namespace'}: nothing on pods or events (${webhook.join('; ')})`);
    t.ok(webhook.includes('nodes [] [list watch]'), 'but the Node versions');
    const controller = await permissions(r, ns);
    t.ok(controller.includes('pods/exec [] [create get]'), 'the controller execs');
  }
  // can-i exits 1 when the answer is no.
  await t.rejects(kubectl(['auth', 'can-i', 'create', 'pods', '--subresource=exec', '--all-namespaces', '--as', `system:serviceaccount:${r.namespace}:${r.name}-webhook`]), 'kubectl auth can-i create pods --subresource=exec --all-namespaces: no');
  t.match(await kubectl(['auth', 'can-i', 'create', 'pods', '--subresource=exec', '--all-namespaces', '--as', `system:serviceaccount:${r.namespace}:${r.name}`]), /^yes/, 'and yes for the controller');
});

t.test('native only: nativeSidecars.mode on, rbac.shutdownActions false: no exec, port-forward or nodes in the role, and a Naisjob completes natively', async (t) => {
  const { dir, port, selectorValue, ca } = await localWebhook(t);
  const r = await install(t, 'native', {
    selector: `${SELECTOR_LABEL}=${selectorValue}`,
    nativeSidecars: { mode: 'on' },
    rbac: { shutdownActions: false },
    webhook: { url: `https://127.0.0.1:${port}`, validatingFailurePolicy: 'Fail' },
    certificates: { mode: 'existingSecret', existingSecret: { name: 'webhook-tls', caBundle: ca.toString('base64') } },
  });
  t.ok(r.args.includes('--native-sidecars') && r.args[r.args.indexOf('--native-sidecars') + 1] === 'on', 'the chart passes --native-sidecars on');
  const rows = await permissions(r, r.namespace);
  t.notOk(rows.some((row) => row.startsWith('pods/exec') || row.startsWith('pods/portforward')), `no exec and no port-forward: ${rows.join('; ')}`);
  t.notOk(rows.some((row) => row.startsWith('nodes')), 'no nodes: mode on needs no versions');
  t.ok(rows.some((row) => row.startsWith('pods ')), 'still reads pods');
  const kubeconfig = await serviceAccountKubeconfig(r, dir);
  const local = await runAsChart(t, r, { port, kubeconfig, extra: ['--cert-file', join(dir, 'tls.crt'), '--key-file', join(dir, 'tls.key')] });
  const ns = await namespace(t, 'chartnative');
  await createJob(naisjob({ name: 'dataloader', namespace: ns, sidecars: NAISJOB_SIDECARS, unmanaged: true, native: undefined, labels: { [SELECTOR_LABEL]: selectorValue }, mainRun: '2s:0' }));
  const pod = await onlyPod(ns, 'dataloader');
  t.same(pod.spec?.containers.map((c) => c.name), ['dataloader'], 'every sidecar became native');
  t.same(pod.spec?.initContainers?.map((c) => c.restartPolicy), ['Always', 'Always', 'Always', 'Always']);
  await waitJob(ns, 'dataloader', 'complete', 60_000);
  t.same(records(ns), [], 'no exec and no port-forward reached the pod');
  t.notMatch(local.logs, /forbidden/i, 'hahaha never needed what it was not granted');
});

t.test('selfManaged: helm install, and the documented permissions plus the Secret and webhook configurations by name', async (t) => {
  const selectorValue = suffix();
  const r = await install(t, 'self', { selector: `${SELECTOR_LABEL}=${selectorValue}` });
  const secret = await core().readNamespacedSecret({ name: `${r.name}-tls`, namespace: r.namespace });
  t.equal(secret.type, 'Opaque');
  t.same(secret.data ?? {}, {}, 'the chart created the Secret empty');
  t.equal(secret.metadata?.annotations?.['helm.sh/resource-policy'], 'keep');
  const api = kc().makeApiClient(AdmissionregistrationV1Api);
  t.notOk((await api.readMutatingWebhookConfiguration({ name: `00-${r.name}` })).webhooks?.[0]?.clientConfig.caBundle, 'no caBundle until hahaha writes it');
  const extra = [
    `mutatingwebhookconfigurations.admissionregistration.k8s.io [00-${r.name}] [get update]`,
    `secrets [${r.name}-tls] [get update]`,
    `validatingwebhookconfigurations.admissionregistration.k8s.io [00-${r.name}] [get update]`,
  ];
  t.same(await permissions(r, r.namespace), [...(await documented(true, r.name)), ...extra].sort(), 'in the release namespace');
  const elsewhere = await namespace(t, 'cani');
  t.same(await permissions(r, elsewhere), [...(await documented(false, r.name)), ...extra.filter((e) => !e.startsWith('secrets'))].sort(), 'elsewhere: no Secret access');

  // What hahaha writes (the caBundles, the Secret's data) survives helm upgrade: the chart renders neither.
  const ca = (await readFile(join(P.webhookCerts, 'ca.crt'))).toString('base64');
  for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
    await kubectl(['patch', kind, `00-${r.name}`, '--type=json', '--field-manager=hahaha', '-p', JSON.stringify([{ op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: ca }])]);
  }
  await kubectl(['-n', r.namespace, 'patch', 'secret', `${r.name}-tls`, '--type=merge', '--field-manager=hahaha', '-p', JSON.stringify({ data: { 'ca.crt': ca } })]);
  const up = await helm(['upgrade', r.name, CHART, '--namespace', r.namespace, '--kubeconfig', ADMIN, '--reuse-values', '--set', 'logLevel=debug']);
  t.equal(up.code, 0, `helm upgrade${up.code ? `: ${up.stderr}` : ''}`);
  const d = await kc().makeApiClient(AppsV1Api).readNamespacedDeployment({ name: r.name, namespace: r.namespace });
  t.match(d.spec?.template.spec?.containers[0]?.args?.join(' '), '--log-level debug', 'the upgrade went through');
  t.equal((await api.readMutatingWebhookConfiguration({ name: `00-${r.name}` })).webhooks?.[0]?.clientConfig.caBundle, ca, 'the mutating caBundle survived the upgrade');
  t.equal((await api.readValidatingWebhookConfiguration({ name: `00-${r.name}` })).webhooks?.[0]?.clientConfig.caBundle, ca, 'the validating caBundle survived the upgrade');
  t.same((await core().readNamespacedSecret({ name: `${r.name}-tls`, namespace: r.namespace })).data, { 'ca.crt': ca }, 'the Secret\'s data survived the upgrade');
});

t.test('selfManaged: hahaha as the chart\'s ServiceAccount fills both caBundles and a Naisjob-like Job completes', async (t) => {
  const port = await freePort();
  const selectorValue = suffix();
  const r = await install(t, 'selfrun', { selector: `${SELECTOR_LABEL}=${selectorValue}`, shutdownGrace: '3s', maxAttempts: 3, webhook: { url: `https://127.0.0.1:${port}`, validatingFailurePolicy: 'Fail' } });
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-chart-self-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const kubeconfig = await serviceAccountKubeconfig(r, dir);
  // The apiserver calls the local process by IP (webhook.url), so the certificate also needs 127.0.0.1.
  await runAsChart(t, r, { port, kubeconfig, extra: ['--cert-host', '127.0.0.1', '--retry-backoff', '1s'] });
  const api = kc().makeApiClient(AdmissionregistrationV1Api);
  await waitFor('hahaha to write both caBundles', async () => {
    const m = (await api.readMutatingWebhookConfiguration({ name: `00-${r.name}` })).webhooks?.[0]?.clientConfig.caBundle;
    const v = (await api.readValidatingWebhookConfiguration({ name: `00-${r.name}` })).webhooks?.[0]?.clientConfig.caBundle;
    return m && v && m === v ? m : undefined;
  }, 30_000);
  const secret = await core().readNamespacedSecret({ name: `${r.name}-tls`, namespace: r.namespace });
  t.ok(Object.keys(secret.data ?? {}).length > 0, 'hahaha stored its certificates in the chart\'s Secret');
  t.same(Object.keys(secret.data ?? {}).sort(), ['ca.crt', 'tls.crt', 'tls.key'], 'and no CA key: it is thrown away once the certificate is signed');
  await naisjobCompletes(t, selectorValue);
});

t.test('selfManaged: short lifetimes rotate the serving certificate and its CA (never a CA key at rest) while admission requests keep succeeding', async (t) => {
  const port = await freePort();
  const selectorValue = suffix();
  // The validating webhook fails closed here, so a request the apiserver could not verify would fail loudly.
  const r = await install(t, 'rotate', { selector: `${SELECTOR_LABEL}=${selectorValue}`, webhook: { url: `https://127.0.0.1:${port}`, validatingFailurePolicy: 'Fail' } });
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-chart-rotate-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const kubeconfig = await serviceAccountKubeconfig(r, dir);
  await runAsChart(t, r, { port, kubeconfig, extra: ['--cert-host', '127.0.0.1', '--cert-lifetime', '12s', '--renew-before', '5s'] });
  const api = kc().makeApiClient(AdmissionregistrationV1Api);
  const bundle = async (): Promise<string | undefined> => (await api.readValidatingWebhookConfiguration({ name: `00-${r.name}` })).webhooks?.[0]?.clientConfig.caBundle;
  await waitFor('the first caBundle', bundle, 30_000);
  const ns = await namespace(t, 'rotate');
  const seenLeaves = new Set<string>();
  const seenBundles = new Set<string>();
  let ok = 0;
  const failures: string[] = [];
  const until = Date.now() + 45_000;
  let i = 0;
  while (Date.now() < until) {
    const secret = await core().readNamespacedSecret({ name: `${r.name}-tls`, namespace: r.namespace });
    if (secret.data?.['tls.crt']) seenLeaves.add(secret.data['tls.crt']);
    if (secret.data?.['ca.key']) failures.push('a CA key was at rest in the Secret');
    const b = await bundle();
    if (b) seenBundles.add(b);
    // A server-side dry-run create goes through both webhooks and stores nothing.
    try {
      const pod = await core().createNamespacedPod({
        namespace: ns,
        dryRun: 'All',
        body: { metadata: { name: `probe-${i++}`, labels: { [SELECTOR_LABEL]: selectorValue }, annotations: { 'hahaha.nais.io/native-sidecars': 'false' } }, spec: { containers: [{ name: 'main', image: 'x' }, { name: 'vks-sidecar', image: 'y' }] } },
      });
      if (pod.metadata?.annotations?.['shutdown.hahaha.nais.io/vks-sidecar'] === 'exec /bin/kill -s INT 1') ok++;
      else failures.push(`probe-${i - 1}: not mutated (the mutating webhook fails open: it was not reached)`);
    } catch (e) {
      failures.push(`probe-${i - 1}: ${(e as Error).message.slice(0, 200)}`);
    }
    await new Promise((res) => setTimeout(res, 200));
  }
  t.ok(seenLeaves.size >= 3, `the serving certificate changed: ${seenLeaves.size} different ones in 45 s`);
  t.ok(seenBundles.size >= 2, `the caBundle changed with the CA: ${seenBundles.size} different bundles`);
  t.same(failures, [], `every admission request succeeded and was mutated (${ok} of ${i})`);
});
