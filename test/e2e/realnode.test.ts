// Node real-node: a real kubelet with containerd and runc, and real sidecar programs in images built
// here. What the simulation cannot show: exec exit statuses from the real runtime, HTTP steps
// reaching 127.0.0.1 inside the pod through a port-forward, the kernel dropping a signal that PID 1
// has no handler for, and native sidecars stopped by the kubelet itself. The cluster's own hahaha
// (cluster:up, --shutdown-grace 3s --retry-backoff 1s --max-attempts 3) acts on these pods.

import { readFileSync, readdirSync } from 'node:fs';
import t from 'tap';
import { INJECT_LABEL, realLinkerdInjector } from './injector.ts';
import { P, containerOf, core, createJob, jobState, namespace, onlyPod, podEvents, waitFor, waitJob } from './cluster.ts';
import { CONFIGMAP_RELOAD, REAL_SIDECARS, deaf, ignoresInt, realJob, realNodeMissing, streams } from './realnode.ts';
import { BRIDGE, REAL_NODE, realNodePaths } from '../../cluster/realnode/layout.ts';
import { run } from '../../cluster/realnode/exec.ts';
import { readRecord } from '../../cluster/processes.ts';

const skip = realNodeMissing();
const linkerd = { labels: { [INJECT_LABEL]: 'linkerd-real' }, annotations: { 'config.linkerd.io/proxy-admin-shutdown': 'enabled' } };
const SIDECAR_NAMES = ['cloudsql-proxy', 'istio-proxy', 'linkerd-proxy', 'vault-agent'];

t.test('shutdown actions: a Naisjob with real sidecars completes on the real node, one Killing event and one request each', { skip }, async (t) => {
  const ns = await namespace(t, 'real-actions');
  await realLinkerdInjector(t);
  await createJob(realJob({ name: 'dataloader', namespace: ns, sidecars: REAL_SIDECARS, ...linkerd, seconds: 3 }));
  const pod = await onlyPod(ns, 'dataloader');
  const name = pod.metadata!.name!;
  t.equal(pod.spec?.nodeName ?? (await core().readNamespacedPod({ name, namespace: ns })).spec?.nodeName, REAL_NODE);
  t.match(pod.metadata?.annotations, {
    'shutdown.hahaha.nais.io/cloudsql-proxy': 'POST :9091/quitquitquit',
    'shutdown.hahaha.nais.io/vault-agent': 'POST :8200/agent/v1/quit',
    'shutdown.hahaha.nais.io/istio-proxy': 'POST :15020/quitquitquit',
    'shutdown.hahaha.nais.io/linkerd-proxy': 'POST :4191/shutdown',
  });
  const env = pod.spec?.containers.find((c) => c.name === 'linkerd-proxy')?.env;
  t.same(env, [{ name: 'LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED', value: 'true' }], 'the injector set the proxy\'s switch from config.linkerd.io/proxy-admin-shutdown');
  await waitJob(ns, 'dataloader', 'complete', 90_000);

  const done = await core().readNamespacedPod({ name, namespace: ns });
  const statuses = done.status?.containerStatuses ?? [];
  t.ok(statuses.every((c) => c.state?.terminated), 'every container terminated');
  t.equal(statuses.find((c) => c.name === 'dataloader')?.state?.terminated?.exitCode, 0, 'the main container (a real sh) exited 0');
  for (const c of ['cloudsql-proxy', 'linkerd-proxy', 'vault-agent', 'istio-proxy']) {
    t.equal(statuses.find((s) => s.name === c)?.state?.terminated?.exitCode, 0, `${c} exited 0 after its shutdown endpoint answered`);
  }

  const killing = await podEvents(ns, name, 'Killing');
  t.same(killing.map(containerOf).sort(), SIDECAR_NAMES, 'one Killing event per sidecar');
  t.ok(killing.every((e) => e.reportingController === 'hahaha' && (e.series?.count ?? 1) === 1));
  t.same((await podEvents(ns, name)).filter((e) => e.type === 'Warning' && e.reportingController === 'hahaha'), [], 'no warnings');

  const sent = streams(ns);
  t.same(sent.filter((s) => s.kind === 'exec'), [], 'HTTP steps only');
  t.same(sent.filter((s) => s.kind === 'portforward').map((s) => s.ports).sort(), ['15020', '4191', '8200', '9091'], 'one port-forward per HTTP step');
  t.ok(sent.every((s) => s.user === 'system:serviceaccount:hahaha:hahaha'), 'all as hahaha\'s ServiceAccount');

  // No image was pulled: the kubelet found each one present (imported), and never tried a registry.
  const kubelet = (await podEvents(ns, name)).filter((e) => e.reportingController === 'kubelet');
  t.same(kubelet.filter((e) => e.reason === 'Pulling' || e.reason === 'Failed' || e.reason === 'ErrImageNeverPull'), [], 'no pull, no pull error');
  const pulled = kubelet.filter((e) => e.reason === 'Pulled');
  t.ok(pulled.length >= 6, `the kubelet reported each container's image (${pulled.length} Pulled events)`);
  t.ok(pulled.every((e) => / already present on machine/.test(e.note ?? '')), 'every image was already present');
});

t.test('native sidecars: the same Job completes through the real kubelet with no exec and no port-forward', { skip }, async (t) => {
  const ns = await namespace(t, 'real-native');
  await realLinkerdInjector(t);
  await createJob(realJob({
    // istio-proxy is left out: istio's own injector makes it native (hahaha never moves an injector's container).
    name: 'dataloader', namespace: ns, sidecars: [...REAL_SIDECARS.filter((c) => c.name !== 'istio-proxy'), CONFIGMAP_RELOAD], native: undefined, seconds: 3,
    labels: linkerd.labels, annotations: { ...linkerd.annotations, 'config.linkerd.io/proxy-enable-native-sidecar': 'true' },
  }));
  const pod = await onlyPod(ns, 'dataloader');
  const name = pod.metadata!.name!;
  t.same(pod.spec?.containers.map((c) => c.name), ['dataloader']);
  t.same(pod.spec?.initContainers?.map((c) => `${c.name}:${c.restartPolicy ?? ''}`), [
    'cloudsql-proxy:Always', 'vault-agent:Always', 'secure-logs-configmap-reload:Always', 'linkerd-init:', 'linkerd-proxy:Always',
  ]);
  await waitJob(ns, 'dataloader', 'complete', 90_000);
  const done = await core().readNamespacedPod({ name, namespace: ns });
  t.ok((done.status?.initContainerStatuses ?? []).every((c) => c.state?.terminated), 'the kubelet stopped every native sidecar');
  const reload = done.status?.initContainerStatuses?.find((c) => c.name === 'secure-logs-configmap-reload')?.state?.terminated;
  t.equal(reload?.exitCode, 2, 'configmap-reload exited 2 on the kubelet\'s SIGTERM, and as a native sidecar that does not fail the pod');
  t.same(streams(ns), [], 'no exec and no port-forward');
  t.same(await podEvents(ns, name, 'Killing').then((es) => es.filter((e) => e.reportingController === 'hahaha')), [], 'hahaha sent nothing');
});

t.test('signals PID 1 ignores: the next step of the chain is used, or the sidecar ends as ShutdownAbandoned', { skip }, async (t) => {
  const ns = await namespace(t, 'real-signals');
  await createJob(realJob({
    name: 'stubborn', namespace: ns, seconds: 2,
    sidecars: [ignoresInt('ignores-int'), ignoresInt('wrong-pid'), deaf('deaf'), CONFIGMAP_RELOAD],
    annotations: {
      'shutdown.hahaha.nais.io/ignores-int': 'exec /bin/kill -s INT 1 || exec /bin/kill -s TERM 1',
      'shutdown.hahaha.nais.io/wrong-pid': 'exec /bin/kill -s TERM 4242 || exec /bin/kill -s TERM 1',
      'shutdown.hahaha.nais.io/deaf': 'exec /bin/kill -s INT 1',
    },
  }));
  const pod = await onlyPod(ns, 'stubborn');
  const name = pod.metadata!.name!;
  const abandoned = await waitFor('ShutdownAbandoned for deaf', async () => (await podEvents(ns, name, 'ShutdownAbandoned'))[0], 90_000);
  t.equal(containerOf(abandoned), 'deaf');
  t.equal(abandoned.type, 'Warning');

  const events = await podEvents(ns, name);
  const of = (c: string, reason: string) => events.filter((e) => containerOf(e) === c && e.reason === reason);
  // ignores-int: INT exits 0 and changes nothing (sh ignores it); after the grace period TERM works.
  t.same(of('ignores-int', 'Killing').map((e) => e.note), [
    'Shut down container ignores-int (exec /bin/kill -s INT 1)',
    'Shut down container ignores-int (exec /bin/kill -s TERM 1)',
  ]);
  t.match(of('ignores-int', 'ShutdownFailed')[0]?.note, /still running|grace/, 'the first step worked (exit 0) but the container still ran');
  // wrong-pid: busybox kill's exit status 1 (no such process), from the real runtime, fails the step at once.
  t.match(of('wrong-pid', 'ShutdownFailed')[0]?.note, /exit code 1.*4242/, 'exit code 1 and kill\'s own message came back from the real runtime');
  t.same(of('wrong-pid', 'Killing').length, 2);
  // deaf: busybox sleep as PID 1 has no handler; `kill -s INT 1` exits 0 every round, the kernel drops it.
  t.equal(of('deaf', 'Killing').length, 3, 'three rounds (--max-attempts 3)');
  t.ok(of('deaf', 'ShutdownFailed').length >= 1);

  const now = await core().readNamespacedPod({ name, namespace: ns });
  const state = (c: string) => now.status?.containerStatuses?.find((s) => s.name === c)?.state;
  t.equal(state('ignores-int')?.terminated?.exitCode, 0);
  t.equal(state('wrong-pid')?.terminated?.exitCode, 0);
  t.ok(state('deaf')?.running, 'deaf still runs: the kernel dropped every SIGINT to its PID 1');
  t.equal(await jobState(ns, 'stubborn'), 'active', 'so the Job stays active, as the README says');
  t.equal(streams(ns).filter((s) => s.container === 'deaf').length, 3, 'one exec per round into deaf');
  // configmap-reload has no handler: Go's runtime catches the SIGTERM that killall sends, re-raises it
  // with the default action (which the kernel drops for PID 1) and exits 2 itself. The step worked.
  t.same(of(CONFIGMAP_RELOAD.name, 'Killing').map((e) => e.note), ['Shut down container secure-logs-configmap-reload (exec /bin/killall configmap-reload)']);
  t.equal(state(CONFIGMAP_RELOAD.name)?.terminated?.exitCode, 2, 'configmap-reload exited 2');
  t.match(of(CONFIGMAP_RELOAD.name, 'SidecarExitedNonZero')[0]?.note, /exited 2.*restartPolicy Never the pod is marked Failed/, 'and hahaha says what that does to a Job');
});

t.test('opted out: the twin stays active on the real node', { skip }, async (t) => {
  const ns = await namespace(t, 'real-optout');
  await createJob(realJob({ name: 'optedout', namespace: ns, seconds: 1, sidecars: REAL_SIDECARS.slice(0, 2), annotations: { 'hahaha.nais.io/enabled': 'false' } }));
  const pod = await onlyPod(ns, 'optedout');
  const name = pod.metadata!.name!;
  await waitFor('the main container to finish', async () => {
    const p = await core().readNamespacedPod({ name, namespace: ns });
    return p.status?.containerStatuses?.find((c) => c.name === 'optedout')?.state?.terminated;
  }, 60_000);
  // Well past --shutdown-grace and a retry: hahaha would have acted by now.
  await new Promise((r) => setTimeout(r, 6000));
  const p = await core().readNamespacedPod({ name, namespace: ns });
  t.equal(p.status?.containerStatuses?.filter((c) => c.state?.running).length, 2, 'both sidecars still run');
  t.equal(await jobState(ns, 'optedout'), 'active');
  t.same(streams(ns), [], 'nothing was sent');
});

t.test('safety: no pod packet leaves the bridge, containerd can reach no registry, pods get no DNS server', { skip }, async (t) => {
  const fwd = await run('iptables', ['-w', '5', '-S', 'HAHAHA-REALNODE-FWD'], { timeoutMs: 15_000 });
  t.match(fwd.stdout, `-A HAHAHA-REALNODE-FWD -i ${BRIDGE} ! -o ${BRIDGE} -j DROP`, 'forwarding from the bridge is dropped');
  t.match(fwd.stdout, `-A HAHAHA-REALNODE-FWD ! -i ${BRIDGE} -o ${BRIDGE} -j DROP`, 'and to it');
  t.match((await run('iptables', ['-w', '5', '-S', 'FORWARD'], { timeoutMs: 15_000 })).stdout, '-A FORWARD -j HAHAHA-REALNODE-FWD');
  const nat = (await run('iptables', ['-w', '5', '-t', 'nat', '-S', 'POSTROUTING'], { timeoutMs: 15_000 })).stdout;
  t.notMatch(nat, /MASQUERADE|SNAT/, 'no address translation out of the pod subnet');
  const rec = readRecord(P, 'containerd');
  const env = new Map(readFileSync(`/proc/${rec!.pid}/environ`, 'utf8').split('\0').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  t.equal(env.get('HTTPS_PROXY'), 'http://127.0.0.1:9', 'any registry request of containerd would go to a closed port on loopback');
  const r = realNodePaths(P);
  t.same(readdirSync(r.registryHosts), [], 'no registry host is configured');
  t.equal(readFileSync(r.resolvConf, 'utf8'), '', 'pods get an empty resolv.conf');
});
