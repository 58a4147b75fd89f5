// Exec and port-forward from hahaha's client (src/kube/streams.ts, on client-node's Exec and
// WebSocket code) travel client -> kube-apiserver -> simkubelet (the simulated kubelet) -> the
// simulated container, which records what it received: exit statuses come back on channel 3, and
// HTTP over a port-forward gets the simulated sidecar's answer.

import t from 'tap';
import { StepRunner } from '../../src/controller/steps.ts';
import { core, kubeClient, namespace, records, waitFor } from './cluster.ts';

const never = new AbortController().signal;

async function runningPod(ns: string, annotations: Record<string, string> = {}): Promise<string> {
  await core().createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: 'p', labels: { app: 'p' }, annotations },
      spec: {
        restartPolicy: 'Never',
        containers: [
          { name: 'p', image: 'ghcr.io/e2e/main:1' },
          { name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:edge-25.11.1' },
          { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2' },
          { name: 'cloudsql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1' },
        ],
      },
    },
  });
  await waitFor('pod p running', async () => (await core().readNamespacedPod({ name: 'p', namespace: ns })).status?.phase === 'Running');
  return 'p';
}

t.test('exec reaches the simulated container and its exit status comes back', async (t) => {
  const ns = await namespace(t, 'exec');
  const pod = await runningPod(ns);
  const run = new StepRunner(kubeClient(), 10_000);
  const at = { namespace: ns, pod, container: 'p' };
  t.same(await run.exec(at, { kind: 'exec', argv: ['echo', 'hello'] }, never), { ok: true, detail: 'exit code 0' });
  t.same(await run.exec(at, { kind: 'exec', argv: ['false'] }, never), { ok: false, detail: 'exit code 1' });
  const missing = await run.exec(at, { kind: 'exec', argv: ['/usr/bin/frobnicate'] }, never);
  t.notOk(missing.ok);
  t.match(missing.detail, /^exit code 127/);
  const killall = await run.exec({ ...at, container: 'istio-proxy' }, { kind: 'exec', argv: ['/bin/killall', 'configmap-reload'] }, never);
  t.same(killall.ok, false, 'killall of a process that is not there fails, as on a real node');
  const seen = records(ns).filter((r) => r.kind === 'exec');
  t.same(seen.map((r) => [r.container, r.argv?.join(' '), r.status]), [
    ['p', 'echo hello', 0],
    ['p', 'false', 1],
    ['p', '/usr/bin/frobnicate', 127],
    ['istio-proxy', '/bin/killall configmap-reload', 1],
  ], 'the simkubelet recorded each command with its exit status');
});

t.test('HTTP over a port-forward gets the simulated sidecar\'s answer, refusals included', async (t) => {
  const ns = await namespace(t, 'portfwd');
  const pod = await runningPod(ns);
  const run = new StepRunner(kubeClient(), 10_000);
  const at = (container: string) => ({ namespace: ns, pod, container });
  // No config.linkerd.io/proxy-admin-shutdown on this (unmanaged) pod: linkerd refuses, as since 2.16.
  t.match(await run.http(at('linkerd-proxy'), { kind: 'http', method: 'POST', port: 4191, path: '/shutdown' }, never), { ok: false, detail: /^HTTP 404/ });
  t.same(await run.http(at('istio-proxy'), { kind: 'http', method: 'GET', port: 15020, path: '/quitquitquit' }, never).then((r) => r.ok), false, 'a GET where POST is needed is refused');
  const closed = await run.http(at('cloudsql-proxy'), { kind: 'http', method: 'POST', port: 9091, path: '/quitquitquit' }, never);
  t.notOk(closed.ok, 'cloud-sql-proxy without --quitquitquit has no admin port');
  t.match(closed.detail, /9091/);
  t.same(await run.http(at('istio-proxy'), { kind: 'http', method: 'POST', port: 15020, path: '/quitquitquit' }, never), { ok: true, detail: 'HTTP 200' });
  await waitFor('istio-proxy terminated', async () => {
    const p = await core().readNamespacedPod({ name: pod, namespace: ns });
    return p.status?.containerStatuses?.find((c) => c.name === 'istio-proxy')?.state?.terminated;
  });
  const http = records(ns).filter((r) => r.kind === 'portforward' && r.method === 'POST' && r.port === 15020);
  t.equal(http.length, 1, 'the request reached the simulated istio-proxy once');
});
