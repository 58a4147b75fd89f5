// hahaha's own image (built from the Dockerfile by cluster:up, imported into the real node's
// containerd) installed by the chart as users install it: two replicas as real pods on the real node,
// restricted Pod Security, in-cluster configuration through the `kubernetes` Service, webhooks called
// by the apiserver through the chart's Service, self-managed certificates. Then hahaha's leader pod
// is deleted while Jobs finish (no shutdown lost, none done twice), and helm upgrade and uninstall.
// The Jobs' pods are simulated (kwok nodes, the simkubelet's record counts every request exactly);
// hahaha itself is the real process in its real container.

import { AdmissionregistrationV1Api, AppsV1Api, CoordinationV1Api, type V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { P, NAISJOB_SIDECARS, cluster, containerOf, core, createJob, kc, naisjob, namespace, onlyPod, podEvents, records, suffix, waitFor, waitJob } from './cluster.ts';
import { CHART, run as helm } from '../chart/helm.ts';
import { realNodeMissing } from './realnode.ts';
import { REAL_NODE, REAL_NODE_LABEL, REAL_NODE_TAINT, realNodePaths } from '../../cluster/realnode/layout.ts';
import { HAHAHA_IMAGE } from '../../cluster/realnode/hahaha-image.ts';
import { run } from '../../cluster/realnode/exec.ts';

const skip = realNodeMissing();
const ADMIN = P.kubeconfig('admin');
const SELECTOR_LABEL = 'e2e.hahaha.nais.io/image';

/** The OCI runtime spec containerd gave a container (from `ctr containers info`): what runc really ran. */
async function runtimeSpec(containerId: string): Promise<{ process?: { user?: { uid?: number; gid?: number } }; root?: { readonly?: boolean } }> {
  const r = realNodePaths(P);
  const out = await run('ctr', ['--address', r.containerdSocket, '--timeout', '10s', '-n', 'k8s.io', 'containers', 'info', containerId], { timeoutMs: 15_000 });
  if (out.code !== 0) throw new Error(`ctr containers info ${containerId}: ${out.stderr}`);
  return (JSON.parse(out.stdout) as { Spec: object }).Spec;
}

const hahahaPods = async (ns: string, release: string): Promise<V1Pod[]> =>
  (await core().listNamespacedPod({ namespace: ns, labelSelector: `app.kubernetes.io/name=hahaha,app.kubernetes.io/instance=${release}` })).items;

async function rolledOut(ns: string, name: string, timeoutMs = 180_000): Promise<void> {
  await waitFor(`Deployment ${name} rolled out`, async () => {
    const d = await kc().makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: ns });
    const s = d.status;
    return (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && s?.updatedReplicas === 2 && s?.availableReplicas === 2 && (s?.replicas ?? 0) === 2;
  }, timeoutMs, 1000);
}

t.test('the chart installs the image built from the Dockerfile: hahaha runs as real pods, uid 65532, read-only root, and completes Jobs', { skip }, async (t) => {
  await cluster();
  const id = suffix();
  const name = `hahaha-image-${id}`;
  const ns = `e2e-image-${id}`;
  await core().createNamespace({ body: { metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } } } });
  t.teardown(async () => {
    if (process.env.HAHAHA_E2E_KEEP) return;
    await helm(['uninstall', name, '--namespace', ns, '--kubeconfig', ADMIN, '--wait', '--timeout', '60s']);
    await core().deleteNamespace({ name: ns }).catch(() => undefined);
  });
  const [repository, tag] = [HAHAHA_IMAGE.slice(0, HAHAHA_IMAGE.lastIndexOf(':')), HAHAHA_IMAGE.slice(HAHAHA_IMAGE.lastIndexOf(':') + 1)];
  const selectorValue = suffix();
  const values = [
    `selector=${SELECTOR_LABEL}=${selectorValue}`,
    `image.repository=${repository}`, `image.tag=${tag}`, 'image.pullPolicy=Never',
    `nodeSelector.${REAL_NODE_LABEL.key.replace(/\./g, '\\.')}=${REAL_NODE_LABEL.value}`,
    `tolerations[0].key=${REAL_NODE_TAINT.key}`, 'tolerations[0].operator=Exists', `tolerations[0].effect=${REAL_NODE_TAINT.effect}`,
    'shutdownGrace=3s', 'maxAttempts=3', 'terminationGracePeriodSeconds=25', 'drainTimeout=10s',
  ].flatMap((v) => ['--set', v]);
  const t0 = Date.now();
  const r = await helm(['install', name, CHART, '--namespace', ns, '--kubeconfig', ADMIN, ...values]);
  t.equal(r.code, 0, `helm install${r.code ? `: ${r.stderr}` : ''}`);
  await rolledOut(ns, name);
  t.pass(`both replicas Ready on ${REAL_NODE} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const pods = await hahahaPods(ns, name);
  t.same(pods.map((p) => p.spec?.nodeName), [REAL_NODE, REAL_NODE]);
  for (const p of pods) {
    const cid = p.status?.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, '');
    t.ok(cid, 'the real runtime reports a container ID');
    const spec = await runtimeSpec(cid!);
    t.equal(spec.process?.user?.uid, 65532, `${p.metadata?.name}: runc ran it as uid 65532`);
    t.equal(spec.process?.user?.gid, 65532);
    t.equal(spec.root?.readonly, true, 'with a read-only root filesystem');
    t.equal(p.status?.containerStatuses?.[0]?.image, HAHAHA_IMAGE, 'from the imported image');
  }
  // In-cluster configuration: the leader holds the Lease through the `kubernetes` Service.
  const lease = await waitFor('a replica to hold the Lease', async () => {
    const l = await kc().makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace: ns }).catch(() => undefined);
    return pods.some((p) => p.metadata?.name === l?.spec?.holderIdentity) ? l : undefined;
  }, 60_000);
  const leader = lease.spec!.holderIdentity!;
  // Self-managed certificates: hahaha wrote the caBundle, so the apiserver calls it through the Service.
  const api = kc().makeApiClient(AdmissionregistrationV1Api);
  await waitFor('hahaha to write the caBundle', async () => (await api.readMutatingWebhookConfiguration({ name: `00-${name}` })).webhooks?.[0]?.clientConfig.caBundle, 60_000);
  const hook = (await api.readMutatingWebhookConfiguration({ name: `00-${name}` })).webhooks?.[0]?.clientConfig;
  t.match(hook?.service, { name, namespace: ns }, 'the webhook is called through the chart\'s Service');

  // Jobs that finish one after another; the leader's pod is deleted after the first completes.
  const jobsNs = await namespace(t, 'image-jobs');
  const jobs = ['a', 'b', 'c', 'd', 'e', 'f'];
  for (const [i, j] of jobs.entries()) {
    await createJob(naisjob({ name: `job-${j}`, namespace: jobsNs, sidecars: NAISJOB_SIDECARS, unmanaged: true, labels: { [SELECTOR_LABEL]: selectorValue }, mainRun: `${2 + 2 * i}s:0` }));
  }
  const first = await onlyPod(jobsNs, 'job-a');
  t.match(first.metadata?.annotations, { 'shutdown.hahaha.nais.io/cloudsql-proxy': 'POST :9091/quitquitquit' }, 'the apiserver called the mutating webhook in the pod');
  await waitJob(jobsNs, 'job-a', 'complete', 60_000);
  await core().deleteNamespacedPod({ name: leader, namespace: ns });
  for (const j of jobs) await waitJob(jobsNs, `job-${j}`, 'complete', 120_000);
  const newLeader = (await kc().makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace: ns })).spec?.holderIdentity;
  t.not(newLeader, leader, `another replica (${newLeader}) took over`);
  for (const j of jobs) {
    const pod = await onlyPod(jobsNs, `job-${j}`);
    const killing = await podEvents(jobsNs, pod.metadata!.name!, 'Killing');
    t.same(killing.map(containerOf).sort(), ['cloudsql-proxy', 'secure-logs-configmap-reload', 'secure-logs-fluentd', 'vks-sidecar'], `job-${j}: one Killing event per sidecar`);
    t.ok(killing.every((e) => (e.series?.count ?? 1) === 1));
  }
  const sent = records(jobsNs).filter((x) => x.kind === 'exec' || (x.kind === 'portforward' && x.method !== undefined));
  const per = new Map<string, number>();
  for (const x of sent) per.set(`${x.pod}/${x.container}`, (per.get(`${x.pod}/${x.container}`) ?? 0) + 1);
  t.equal(per.size, jobs.length * 4, 'every sidecar of every Job got its shutdown');
  t.same([...per.values()].filter((n) => n !== 1), [], 'and none twice');

  // helm upgrade rolls the Deployment; helm uninstall takes everything away.
  const up = await helm(['upgrade', name, CHART, '--namespace', ns, '--kubeconfig', ADMIN, '--reuse-values', '--set', 'logLevel=debug']);
  t.equal(up.code, 0, `helm upgrade${up.code ? `: ${up.stderr}` : ''}`);
  await rolledOut(ns, name);
  const upgraded = (await hahahaPods(ns, name)).filter((p) => !p.metadata?.deletionTimestamp);
  t.same(upgraded.map((p) => p.spec?.containers[0]?.args?.includes('debug')), [true, true], 'the upgraded pods run');
  const un = await helm(['uninstall', name, '--namespace', ns, '--kubeconfig', ADMIN, '--wait', '--timeout', '60s']);
  t.equal(un.code, 0, `helm uninstall${un.code ? `: ${un.stderr}` : ''}`);
  await waitFor('the pods to go', async () => (await hahahaPods(ns, name)).length === 0, 60_000);
  t.equal(await api.readMutatingWebhookConfiguration({ name: `00-${name}` }).then(() => 'there', () => 'gone'), 'gone', 'the webhook configurations are gone');
});
