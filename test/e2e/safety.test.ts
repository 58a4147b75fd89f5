// The problem and the safety net. A Job whose main container exits 0 completes when it has no
// sidecar, and stays active when a sidecar nobody stops keeps running (what hahaha exists to
// fix). And no command sent to a simulated container can reach this machine's processes: the
// simkubelet interprets them against simulated state, and runs as nobody in its own PID namespace.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { StepRunner } from '../../src/controller/steps.ts';
import { P, core, createJob, jobState, kubeClient, namespace, onlyPod, records, waitFor, waitJob } from './cluster.ts';

t.test('a Job with no sidecar completes; one with an unmanaged sidecar stays active', async (t) => {
  const ns = await namespace(t, 'problem');
  const job = (name: string, containers: { name: string; image: string }[]) =>
    createJob({
      metadata: { name, namespace: ns },
      spec: { backoffLimit: 0, template: { metadata: { annotations: { 'sim.hahaha.nais.io/run': `${name}=1s:0` } }, spec: { restartPolicy: 'Never', containers } } },
    });
  await job('alone', [{ name: 'alone', image: 'ghcr.io/e2e/main:1' }]);
  await job('sidecar', [{ name: 'sidecar', image: 'ghcr.io/e2e/main:1' }, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2' }]);
  await waitJob(ns, 'alone', 'complete', 30_000);
  const pod = await onlyPod(ns, 'sidecar');
  await waitFor('the main container to finish', async () => {
    const p = await core().readNamespacedPod({ name: pod.metadata!.name!, namespace: ns });
    return p.status?.containerStatuses?.find((c) => c.name === 'sidecar')?.state?.terminated;
  });
  await new Promise((r) => setTimeout(r, 3000));
  t.equal(await jobState(ns, 'sidecar'), 'active', 'the Job never completes on its own');
  const p = await core().readNamespacedPod({ name: pod.metadata!.name!, namespace: ns });
  t.equal(p.status?.phase, 'Running');
  t.ok(p.status?.containerStatuses?.find((c) => c.name === 'istio-proxy')?.state?.running, 'istio-proxy still runs');
});

t.test('kill and killall sent to a simulated container never reach this machine', async (t) => {
  const ns = await namespace(t, 'safety');
  await createJob({
    metadata: { name: 'target', namespace: ns },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'target', image: 'x' }, { name: 'vks-sidecar', image: 'y' }] } } },
  });
  const pod = await onlyPod(ns, 'target');
  await waitFor('running', async () => (await core().readNamespacedPod({ name: pod.metadata!.name!, namespace: ns })).status?.phase === 'Running');
  const run = new StepRunner(kubeClient(), 10_000);
  const at = { namespace: ns, pod: pod.metadata!.name!, container: 'target' };
  const never = new AbortController().signal;
  // Signals aimed at this very test process and at every node process on the host.
  t.match(await run.exec(at, { kind: 'exec', argv: ['/bin/kill', '-9', String(process.pid)] }, never), { ok: false, detail: /^exit code 1/ });
  t.match(await run.exec(at, { kind: 'exec', argv: ['/usr/bin/killall', 'node'] }, never), { ok: false, detail: /^exit code 1/ });
  t.same(await run.exec({ ...at, container: 'vks-sidecar' }, { kind: 'exec', argv: ['/bin/kill', '-s', 'INT', '1'] }, never), { ok: true, detail: 'exit code 0' });
  t.ok(process.kill(process.pid, 0), 'this test process is alive');
  await waitFor('vks-sidecar terminated', async () => (await core().readNamespacedPod({ name: pod.metadata!.name!, namespace: ns })).status?.containerStatuses?.find((c) => c.name === 'vks-sidecar')?.state?.terminated);
  t.equal(records(ns).length, 3, 'all three commands reached the simulated containers and were recorded there');

  // The simkubelet itself: nobody, in a PID namespace of its own.
  const pidFile = JSON.parse(readFileSync(P.pid('simkubelet'), 'utf8')) as { pid: number };
  const children = readFileSync(`/proc/${pidFile.pid}/task/${pidFile.pid}/children`, 'utf8').trim().split(/\s+/);
  const inner = children.map((c) => readFileSync(`/proc/${c}/status`, 'utf8')).join('\n');
  const grandchildren = children.flatMap((c) => readFileSync(`/proc/${c}/task/${c}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
  const status = [inner, ...grandchildren.map((c) => readFileSync(`/proc/${c}/status`, 'utf8'))].join('\n');
  t.match(status, /Uid:\s+65534\s+65534/, 'runs as nobody');
  t.match(status, /NSpid:\s+\d+\s+1\n/, 'is PID 1 of its own PID namespace');
});
