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

/** A raw exec request with the ServiceAccount's token (POST, no upgrade): admission answers before any stream opens. */
async function execAs(kubeconfig: string, ns: string, pod: string, argv: string[]): Promise<{ status: number; message: string }> {
  const conf = parseAllDocuments(await readFile(kubeconfig, 'utf8'))[0]!.toJS() as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]; users: { user: { token: string } }[] };
  const url = new URL(conf.clusters[0]!.cluster.server);
  const query = [...argv.map((a) => `command=${encodeURIComponent(a)}`), 'container=c', 'stdout=true'].join('&');
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: url.hostname, port: url.port, method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?${query}`, ca: Buffer.from(conf.clusters[0]!.cluster['certificate-authority-data'], 'base64'), headers: { Authorization: `Bearer ${conf.users[0]!.user.token}` } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, message: ((): string => { try { return (JSON.parse(body) as { message?: string }).message ?? body; } catch { return body; } })() }));
      },
    );
    req.on('error', reject);
    req.end();
  });
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
  t.ok(inManaged.includes('pods [] [list watch]'));
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
