// Native sidecars on the real control plane, with the cluster's hahaha in its default mode (auto):
// every node reports the pinned kubelet version, so a Naisjob's known sidecars become native and
// the Job completes through the kubelet (simkubelet) with no exec and no port-forward at all. A
// node with an older kubelet switches conversion off for new pods, and the same Job gets shutdown
// actions as before. The pod's own "false" keeps today's behaviour, the test injector honours
// linkerd's native switch, and the apiserver rejects the move that an old-typed webhook makes
// (restartPolicy dropped) while it accepts hahaha's, probes and all.

import t from 'tap';
import { type V1Container, type V1Pod } from '@kubernetes/client-node';
import {
  NAISJOB_SIDECARS, cluster, containerOf, core, createJob, kubectl, metricValue, naisjob, namespace, onlyPod, podEvents, ports, records, scrape, suffix, waitFor, waitJob,
} from './cluster.ts';
import { INJECT_LABEL, linkerdInjector, vaultInjector } from './injector.ts';

const SIDECARS: V1Container[] = NAISJOB_SIDECARS.filter((c) => c.name === 'cloudsql-proxy' || c.name === 'vks-sidecar');
const conversion = async (): Promise<string | undefined> => {
  const line = (await scrape(ports().metrics)).split('\n').find((l) => l.startsWith('hahaha_native_conversion{'));
  return line && / 1$/.test(line) ? /reason="([^"]+)"/.exec(line)?.[1] : line ? `off:${/reason="([^"]+)"/.exec(line)?.[1]}` : undefined;
};
const names = (cs?: { name: string; restartPolicy?: string }[]) => (cs ?? []).map((c) => (c.restartPolicy ? `${c.name}:${c.restartPolicy}` : c.name));

t.before(async () => {
  await cluster();
  await waitFor('the cluster\'s hahaha to convert (every node at the pinned version)', async () => (await conversion()) === 'all-current', 30_000);
});

t.test('auto: a Naisjob with cloudsql-proxy and vks-sidecar in its template completes natively, with zero exec and port-forward', async (t) => {
  const ns = await namespace(t, 'native');
  await createJob(naisjob({ name: 'dataloader', namespace: ns, sidecars: SIDECARS, native: undefined, mainRun: '2s:0' }));
  const pod = await onlyPod(ns, 'dataloader');
  t.same(names(pod.spec?.containers), ['dataloader'], 'only the main container stays regular');
  t.same(names(pod.spec?.initContainers), ['cloudsql-proxy:Always', 'vks-sidecar:Always'], 'the sidecars became native, in order');
  t.same(pod.spec?.initContainers?.[0]?.args, SIDECARS[0]?.args, 'every other field kept');
  t.notOk(Object.keys(pod.metadata?.annotations ?? {}).some((k) => k.startsWith('shutdown.hahaha.nais.io/')), 'no shutdown annotation');
  await waitJob(ns, 'dataloader', 'complete', 30_000);
  t.same(records(ns), [], 'simkubelet recorded no exec and no port-forward');
  const done = await core().readNamespacedPod({ name: pod.metadata!.name!, namespace: ns });
  t.ok(done.status?.initContainerStatuses?.every((s) => s.state?.terminated), 'the kubelet stopped both native sidecars');
  t.same((await podEvents(ns, pod.metadata!.name!)).filter((e) => e.reportingController === 'hahaha'), [], 'hahaha had nothing to do or report');
});

t.test('the test injector honours linkerd\'s native switch, which hahaha writes on converted pods', async (t) => {
  const ns = await namespace(t, 'native-linkerd');
  await linkerdInjector(t);
  await createJob(naisjob({ name: 'meshed', namespace: ns, sidecars: SIDECARS, native: undefined, labels: { [INJECT_LABEL]: 'linkerd' }, mainRun: '2s:0' }));
  const pod = await onlyPod(ns, 'meshed');
  t.equal(pod.metadata?.annotations?.['config.linkerd.io/proxy-enable-native-sidecar'], 'true');
  // hahaha's webhook runs first (name order), so its moved sidecars come before what linkerd appends.
  t.same(names(pod.spec?.initContainers), ['cloudsql-proxy:Always', 'vks-sidecar:Always', 'linkerd-init', 'linkerd-proxy:Always'], 'hahaha moved its sidecars; linkerd then injected its proxy natively');
  t.same(names(pod.spec?.containers), ['meshed']);
  await waitJob(ns, 'meshed', 'complete', 30_000);
  t.same(records(ns), [], 'no exec and no port-forward');
});

t.test('vault-k8s has no native mode: hahaha moves its vault-agent when the apiserver re-invokes it, and vault does not inject twice', async (t) => {
  const ns = await namespace(t, 'native-vault');
  const vault = await vaultInjector(t);
  await createJob(naisjob({ name: 'secrets', namespace: ns, native: undefined, labels: { [INJECT_LABEL]: 'vault' }, mainRun: '2s:0', annotations: { 'vault.hashicorp.com/agent-enable-quit': 'true' } }));
  const pod = await onlyPod(ns, 'secrets');
  t.same(names(pod.spec?.initContainers), ['vault-agent-init', 'vault-agent:Always'], 'moved after vault-agent-init, so it starts once the secrets are there');
  t.same(names(pod.spec?.containers), ['secrets']);
  t.equal(vault.calls(), 1, 'vault\'s webhook was called once (reinvocationPolicy Never)');
  t.notOk(pod.metadata?.annotations?.['shutdown.hahaha.nais.io/vault-agent'], 'no shutdown annotation: the kubelet stops it');
  await waitJob(ns, 'secrets', 'complete', 30_000);
  t.same(records(ns), [], 'no exec and no port-forward');
});

t.test('the pod\'s "false" keeps today\'s behaviour: regular sidecars, shutdown actions', async (t) => {
  const ns = await namespace(t, 'native-false');
  await createJob(naisjob({ name: 'classic', namespace: ns, sidecars: SIDECARS, native: 'false', mainRun: '2s:0' }));
  const pod = await onlyPod(ns, 'classic');
  t.same(names(pod.spec?.containers), ['classic', 'cloudsql-proxy', 'vks-sidecar']);
  t.equal(pod.metadata?.annotations?.['shutdown.hahaha.nais.io/vks-sidecar'], 'exec /bin/kill -s INT 1');
  await waitJob(ns, 'classic', 'complete', 30_000);
  t.same(records(ns).map((r) => r.kind).sort(), ['exec', 'portforward'], 'one exec (vks-sidecar) and one port-forward (cloudsql-proxy)');
  t.same((await podEvents(ns, pod.metadata!.name!, 'Killing')).map(containerOf).sort(), ['cloudsql-proxy', 'vks-sidecar']);
});

t.test('a node with an older kubelet switches conversion off for new pods: the same Job gets shutdown actions', async (t) => {
  const ns = await namespace(t, 'native-old');
  const node = `e2e-old-kubelet-${suffix()}`;
  // Never schedulable: only its version matters. Deleted afterwards, and conversion comes back.
  await core().createNode({ body: { metadata: { name: node }, spec: { unschedulable: true, taints: [{ key: 'e2e.hahaha.nais.io/old', effect: 'NoSchedule' }] } } });
  t.teardown(async () => {
    await core().deleteNode({ name: node }).catch(() => undefined);
    await waitFor('conversion to come back after the old node left', async () => (await conversion()) === 'all-current', 30_000);
  });
  // The node controllers update a new Node too: read and replace its status until no conflict.
  await waitFor('the old node to report kubelet v1.28.15', async () => {
    const n = await core().readNode({ name: node });
    const nodeInfo = { kubeletVersion: 'v1.28.15', kubeProxyVersion: '', architecture: 'amd64', bootID: '', containerRuntimeVersion: '', kernelVersion: '', machineID: '', operatingSystem: 'linux', osImage: '', systemUUID: '' };
    await core().replaceNodeStatus({ name: node, body: { ...n, status: { ...n.status, nodeInfo } } });
    return true;
  }, 15_000);
  await waitFor('hahaha to stop converting', async () => (await conversion()) === 'off:kubelet-old', 30_000);
  await createJob(naisjob({ name: 'oldnodes', namespace: ns, sidecars: SIDECARS, native: undefined, mainRun: '2s:0' }));
  const pod = await onlyPod(ns, 'oldnodes');
  t.same(names(pod.spec?.containers), ['oldnodes', 'cloudsql-proxy', 'vks-sidecar'], 'nothing moved');
  t.equal(pod.metadata?.annotations?.['shutdown.hahaha.nais.io/cloudsql-proxy'], 'POST :9091/quitquitquit');
  await waitJob(ns, 'oldnodes', 'complete', 30_000);
  t.same(records(ns).map((r) => r.kind).sort(), ['exec', 'portforward'], 'shut down by action, as before native sidecars');
});

t.test('the apiserver rejects a move that drops restartPolicy (as old-typed webhooks do), and accepts hahaha\'s, probes included', async (t) => {
  const ns = await namespace(t, 'native-probes');
  const probe = { httpGet: { path: '/readiness', port: 9090 }, periodSeconds: 5 };
  const proxy = { name: 'cloudsql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', args: ['--quitquitquit', '--health', '--http-port=9090'], readinessProbe: probe, startupProbe: probe, livenessProbe: probe };
  const body = (spec: V1Pod['spec'], annotations: Record<string, string> = {}): V1Pod => ({ metadata: { name: 'probes', labels: { app: 'probes', 'nais.io/naisjob': 'true' }, annotations }, spec });
  // What a webhook decoding pods with types older than native sidecars would send back.
  const wrong = await core().createNamespacedPod({ namespace: ns, dryRun: 'All', body: body({ restartPolicy: 'Never', initContainers: [proxy], containers: [{ name: 'probes', image: 'x' }] }, { 'hahaha.nais.io/native-sidecars': 'false' }) })
    .then(() => 'accepted', (e: unknown) => String((e as { body?: string }).body ?? e));
  t.match(wrong, 'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always');
  const created = await core().createNamespacedPod({ namespace: ns, body: body({ restartPolicy: 'Never', containers: [{ name: 'probes', image: 'x' }, proxy] }) });
  const moved = created.spec?.initContainers?.[0];
  t.equal(moved?.name, 'cloudsql-proxy');
  t.equal(moved?.restartPolicy, 'Always');
  t.match(moved, { readinessProbe: probe, startupProbe: probe, livenessProbe: probe }, 'the probes survived the move');
});

t.test('a moved container never passes through JavaScript: an int64 above 2^53 in it comes out of the apiserver exact', async (t) => {
  const ns = await namespace(t, 'native-int64');
  // 2^53 + 1, which a double rounds to 9007199254740992: sent as text, since a JavaScript client would round it too.
  const big = '9007199254740993';
  const probe = `{"exec":{"command":["true"]},"terminationGracePeriodSeconds":${big}}`;
  const text = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"int64","namespace":"${ns}","labels":{"app":"int64","nais.io/naisjob":"true"}},`
    + `"spec":{"restartPolicy":"Never","containers":[{"name":"int64","image":"x"},{"name":"vks-sidecar","image":"y","livenessProbe":${probe}}]}}`;
  const created = await kubectl(['create', '-f', '-', '-o', 'json'], text);
  // kubectl prints keys in alphabetical order: initContainers comes before the pod's restartPolicy (Never), containers before both.
  const initContainers = created.slice(created.indexOf('"initContainers"'), created.indexOf('"restartPolicy": "Never"'));
  t.match(initContainers, '"name": "vks-sidecar"', 'the sidecar was moved');
  t.match(initContainers, `"terminationGracePeriodSeconds": ${big}`, "its probe's int64 is exact");
});

t.test('a native sidecar the kubelet does not stop (kubernetes#125880) is reported, then shut down with its fallback action', async (t) => {
  const ns = await namespace(t, 'native-missed');
  const job = naisjob({ name: 'missed', namespace: ns, sidecars: SIDECARS, native: undefined, mainRun: '1s:0', annotations: { 'sim.hahaha.nais.io/kubelet-misses': 'vks-sidecar' } });
  job.spec!.template.spec!.terminationGracePeriodSeconds = 2;
  await createJob(job);
  const pod = await onlyPod(ns, 'missed');
  const name = pod.metadata!.name!;
  t.same(names(pod.spec?.initContainers), ['cloudsql-proxy:Always', 'vks-sidecar:Always']);
  const warning = await waitFor('NativeSidecarNotStopped', async () => (await podEvents(ns, name, 'NativeSidecarNotStopped'))[0], 30_000);
  t.equal(warning.type, 'Warning');
  t.equal(containerOf(warning), 'vks-sidecar');
  t.equal(warning.regarding?.fieldPath, 'spec.initContainers{vks-sidecar}');
  t.match(warning.note, /^The kubelet has not stopped native sidecar vks-sidecar: still running \d+s after the last regular container finished \(terminationGracePeriodSeconds 2\)/);
  await waitJob(ns, 'missed', 'complete', 30_000);
  const killing = await podEvents(ns, name, 'Killing');
  t.same(killing.map(containerOf), ['vks-sidecar'], 'only the sidecar the kubelet missed');
  t.match(killing[0]?.note, 'Shut down container vks-sidecar (exec /bin/kill -s INT 1); the kubelet did not stop native sidecar vks-sidecar');
  t.same(records(ns).map((r) => [r.kind, r.container, r.argv?.join(' ')]), [['exec', 'vks-sidecar', '/bin/kill -s INT 1']], 'one exec, into the native sidecar');
  const finishedAt = (await core().readNamespacedPod({ name, namespace: ns })).status?.containerStatuses?.[0]?.state?.terminated?.finishedAt;
  t.ok(Date.parse(records(ns)[0]!.time) - Date.parse(String(finishedAt)) >= 5000, 'not before the grace period (2 s) plus the margin (3 s)');
  t.ok((metricValue(await scrape(ports().metrics), 'hahaha_native_sidecars_not_stopped_total') ?? 0) >= 1, 'counted');
});

t.test('a native sidecar that never starts keeps the main container from starting: reported once, with its reason, and nothing sent', async (t) => {
  const ns = await namespace(t, 'native-stuck');
  await createJob(naisjob({ name: 'blocked', namespace: ns, sidecars: SIDECARS, native: undefined, annotations: { 'sim.hahaha.nais.io/waiting': 'cloudsql-proxy=ImagePullBackOff' } }));
  const pod = await onlyPod(ns, 'blocked');
  const name = pod.metadata!.name!;
  const report = await waitFor('NativeSidecarNotStarted', async () => (await podEvents(ns, name, 'NativeSidecarNotStarted'))[0], 30_000);
  t.equal(report.note, 'Native sidecar cloudsql-proxy has not started (ImagePullBackOff), so the main containers cannot start');
  t.equal(report.regarding?.fieldPath, 'spec.initContainers{cloudsql-proxy}');
  await new Promise((r) => setTimeout(r, 3000));
  t.equal((await podEvents(ns, name, 'NativeSidecarNotStarted')).length, 1, 'once, however often the pod is looked at');
  t.equal((await podEvents(ns, name, 'NativeSidecarNotStarted'))[0]?.series?.count ?? 1, 1);
  t.same(records(ns), [], 'nothing was sent');
  const now = await core().readNamespacedPod({ name, namespace: ns });
  t.ok(now.status?.containerStatuses?.every((c) => !c.state?.running && !c.state?.terminated), 'the main container has not started');
});

t.test('the conversion gauge and log say which way hahaha decides, and why', async (t) => {
  const metrics = await scrape(ports().metrics);
  t.equal(metricValue(metrics, 'hahaha_native_conversion'), 1);
  t.match(metrics, 'hahaha_native_conversion{reason="all-current"} 1');
});
