// The shutdown controller on the real control plane, as cluster:up runs it (hahaha's own
// ServiceAccount and minimal RBAC; --shutdown-grace 3s --retry-backoff 1s --max-attempts 3):
// Naisjob-shaped Jobs complete within seconds of their main container finishing, and every
// decision of docs/design.md holds against simulated sidecars that behave like the real ones.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { REPO } from '../../cluster/layout.ts';
import { INJECT_LABEL, linkerdInjector } from './injector.ts';
import {
  NAISJOB_SIDECARS, P, containerOf, core, createJob, jobState, metricValue, naisjob, namespace, onlyPod, podEvents, ports, records, scrape, waitFor, waitJob,
} from './cluster.ts';

function explainLive(ns: string, pod: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO, 'src', 'cli', 'main.ts'), 'explain', '-o', 'json', '-n', ns, pod, '--kubeconfig', P.kubeconfig('admin')], (err, stdout) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout }),
    );
  });
}

const shutdownRequests = (ns: string) => records(ns).filter((r) => r.kind === 'exec' || (r.kind === 'portforward' && r.method !== undefined));

t.test('a Naisjob with five sidecars completes within seconds, one Killing event per sidecar; opted out, it stays active', async (t) => {
  const ns = await namespace(t, 'naisjob');
  await linkerdInjector(t);
  const labels = { [INJECT_LABEL]: 'linkerd' };
  await createJob(naisjob({ name: 'dataloader', namespace: ns, sidecars: NAISJOB_SIDECARS, labels, mainRun: '2s:0' }));
  await createJob(naisjob({ name: 'optedout', namespace: ns, sidecars: NAISJOB_SIDECARS, labels, mainRun: '2s:0', annotations: { 'hahaha.nais.io/enabled': 'false' } }));
  const pod = await onlyPod(ns, 'dataloader');
  t.same(pod.spec?.containers.map((c) => c.name), ['dataloader', 'cloudsql-proxy', 'secure-logs-fluentd', 'secure-logs-configmap-reload', 'vks-sidecar', 'linkerd-proxy']);
  await waitJob(ns, 'dataloader', 'complete', 30_000);
  const finished = await core().readNamespacedPod({ name: pod.metadata!.name!, namespace: ns });
  const mainDone = Date.parse(String(finished.status?.containerStatuses?.find((c) => c.name === 'dataloader')?.state?.terminated?.finishedAt));
  const lastDone = Math.max(...(finished.status?.containerStatuses ?? []).map((c) => Date.parse(String(c.state?.terminated?.finishedAt))));
  t.ok(lastDone - mainDone <= 5000, `sidecars were gone ${(lastDone - mainDone) / 1000}s after the main container`);
  const killing = await podEvents(ns, pod.metadata!.name!, 'Killing');
  t.same(killing.map(containerOf).sort(), ['cloudsql-proxy', 'linkerd-proxy', 'secure-logs-configmap-reload', 'secure-logs-fluentd', 'vks-sidecar']);
  t.ok(killing.every((e) => e.reportingController === 'hahaha' && e.type === 'Normal'));
  t.match(killing.find((e) => containerOf(e) === 'linkerd-proxy')?.note, 'Shut down container linkerd-proxy (POST :4191/shutdown)');
  t.same((await podEvents(ns, pod.metadata!.name!)).filter((e) => e.type === 'Warning' && e.reportingController === 'hahaha'), [], 'no warnings');
  // The claims were timed as API calls, and the pod's key as a wait in the queue's change lane.
  const metrics = await scrape(ports().metrics);
  t.ok((metricValue(metrics, 'hahaha_kube_request_duration_seconds_count{verb="POST",resource="events",code="201"}') ?? 0) >= 5, 'each claim is a timed POST of an Event');
  t.ok((metricValue(metrics, 'hahaha_queue_wait_seconds_count{lane="change"}') ?? 0) >= 1, 'queue waits are counted');
  t.equal(await jobState(ns, 'optedout'), 'active', 'the same Job without hahaha is still active');
  const opted = await onlyPod(ns, 'optedout');
  t.equal(opted.status?.containerStatuses?.filter((c) => c.state?.running).length, 5, 'its five sidecars still run');
});

t.test('OnFailure: sidecars are left alone while the main container will be restarted, then shut down', async (t) => {
  const ns = await namespace(t, 'onfailure');
  await createJob(naisjob({ name: 'retry', namespace: ns, restartPolicy: 'OnFailure', backoffLimit: 3, mainRun: '1s:1;2s:0', sidecars: NAISJOB_SIDECARS.slice(0, 2) }));
  const pod = await onlyPod(ns, 'retry');
  await waitFor('the main container to fail once', async () => {
    const p = await core().readNamespacedPod({ name: pod.metadata!.name!, namespace: ns });
    return (p.status?.containerStatuses?.find((c) => c.name === 'retry')?.restartCount ?? 0) >= 1;
  });
  t.same(shutdownRequests(ns), [], 'nothing was sent to the sidecars after the failed run');
  await waitJob(ns, 'retry', 'complete', 30_000);
  const requests = shutdownRequests(ns);
  t.equal(requests.length, 2, 'each sidecar got one shutdown request, after the successful run');
  const p = await core().readNamespacedPod({ name: pod.metadata!.name!, namespace: ns });
  const main = p.status?.containerStatuses?.find((c) => c.name === 'retry');
  t.equal(main?.restartCount, 1);
  const successAt = Date.parse(String(main?.state?.terminated?.finishedAt));
  t.ok(requests.every((r) => Date.parse(r.time) >= successAt - 1000), 'no request before the main container succeeded');
});

t.test('a step that fails falls through to the next one', async (t) => {
  const ns = await namespace(t, 'fallback');
  await createJob(naisjob({
    name: 'exporter', namespace: ns,
    sidecars: [{ name: 'metrics-exporter', image: 'ghcr.io/e2e/exporter:1' }],
    annotations: { 'shutdown.hahaha.nais.io/metrics-exporter': 'POST :9102/quit || exec /bin/kill -s INT 1' },
  }));
  await waitJob(ns, 'exporter', 'complete', 30_000);
  const pod = await onlyPod(ns, 'exporter');
  const events = await podEvents(ns, pod.metadata!.name!);
  t.match(events.find((e) => e.reason === 'ShutdownFailed')?.note, /^POST :9102\/quit failed: port-forward to :9102/);
  t.same(events.filter((e) => e.reason === 'Killing').map((e) => e.note), [
    'Shut down container metrics-exporter (POST :9102/quit)',
    'Shut down container metrics-exporter (exec /bin/kill -s INT 1)',
  ]);
});

t.test('no working step: ShutdownFailed, backoff, ShutdownAbandoned, and the awaiting gauge shows the pod', async (t) => {
  const ns = await namespace(t, 'stubborn');
  await createJob(naisjob({
    name: 'stuck', namespace: ns,
    sidecars: [{ name: 'metrics-exporter', image: 'ghcr.io/e2e/exporter:1' }],
    annotations: {
      'shutdown.hahaha.nais.io/metrics-exporter': 'POST :9102/quit',
      'sim.hahaha.nais.io/listen': 'metrics-exporter=POST :9102/quit',
      'sim.hahaha.nais.io/stubborn': 'metrics-exporter',
    },
  }));
  const pod = await onlyPod(ns, 'stuck');
  const name = pod.metadata!.name!;
  await waitFor('the awaiting gauge to count the pod', async () => (metricValue(await scrape(ports().metrics), 'hahaha_pods_awaiting_shutdown') ?? 0) >= 1, 15_000);
  const abandoned = await waitFor('ShutdownAbandoned', async () => (await podEvents(ns, name, 'ShutdownAbandoned'))[0], 40_000);
  t.match(abandoned.note, 'Gave up shutting down container metrics-exporter after 3 rounds of POST :9102/quit');
  const failed = await podEvents(ns, name, 'ShutdownFailed');
  t.equal(failed.length, 3, 'one ShutdownFailed event per round');
  t.match(failed[0]?.note, 'POST :9102/quit: container metrics-exporter still running 3s after the step answered');
  const sent = records(ns).filter((r) => r.method === 'POST');
  t.equal(sent.length, 3, 'three rounds reached the sidecar');
  const gaps = sent.slice(1).map((r, i) => Date.parse(r.time) - Date.parse(sent[i]!.time));
  t.ok(gaps[1]! > gaps[0]!, `the backoff grows between rounds (${gaps.join(' ms, ')} ms)`);
  t.equal(await jobState(ns, 'stuck'), 'active');
  const metrics = await scrape(ports().metrics);
  t.ok((metricValue(metrics, 'hahaha_pods_awaiting_shutdown') ?? 0) >= 1, 'still counted as awaiting after giving up');
  t.ok((metricValue(metrics, 'hahaha_oldest_awaiting_shutdown_seconds') ?? 0) > 5);

  const explained = await explainLive(ns, name);
  t.equal(explained.code, 0, 'explain of a live pod with valid annotations exits 0');
  const report = JSON.parse(explained.stdout) as { standing: { state: string; details: string[] }; events: { reason: string; count: number }[] };
  t.equal(report.standing.state, 'stuck');
  t.match(report.standing.details, [/^metrics-exporter: Gave up shutting down container metrics-exporter/]);
  t.same(report.events.map((e) => e.reason).sort(), ['Killing', 'Killing', 'Killing', 'ShutdownAbandoned', 'ShutdownFailed', 'ShutdownFailed', 'ShutdownFailed']);
  // What hahaha decided is in the pod itself, for as long as it lives.
  const record = JSON.parse((await core().readNamespacedPod({ name, namespace: ns })).metadata?.annotations?.['state.hahaha.nais.io/v1'] ?? '{}') as { sidecars?: Record<string, { round: number; gaveUp?: boolean }> };
  t.match(record.sidecars?.['metrics-exporter'], { round: 2, gaveUp: true });
});

t.test('a native sidecar is left to the kubelet; a sidecar that never started is reported, not hammered', async (t) => {
  const ns = await namespace(t, 'native');
  await createJob(naisjob({
    name: 'native', namespace: ns,
    initContainers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.26.0', restartPolicy: 'Always' }],
  }));
  await createJob(naisjob({
    name: 'waiting', namespace: ns,
    sidecars: [{ name: 'vks-sidecar', image: 'europe-north1-docker.pkg.dev/nais-io/nais/images/vks-sidecar:404' }],
    annotations: { 'sim.hahaha.nais.io/waiting': 'vks-sidecar=ImagePullBackOff' },
  }));
  await waitJob(ns, 'native', 'complete', 30_000);
  const waiting = await onlyPod(ns, 'waiting');
  const report = await waitFor('SidecarNotStarted', async () => (await podEvents(ns, waiting.metadata!.name!, 'SidecarNotStarted'))[0], 20_000);
  t.equal(report.note, 'Cannot shut down container vks-sidecar: it never started: ImagePullBackOff');
  await new Promise((r) => setTimeout(r, 3000));
  t.same(shutdownRequests(ns), [], 'nothing was sent to either pod');
  t.equal((await podEvents(ns, waiting.metadata!.name!, 'SidecarNotStarted')).length, 1, 'reported once');
  t.equal(await jobState(ns, 'waiting'), 'active');
});

t.test('unknown sidecars and sidecars that exit non-zero are reported', async (t) => {
  const ns = await namespace(t, 'reports');
  await createJob(naisjob({
    name: 'odd', namespace: ns, mainRun: '1s:0',
    sidecars: [{ name: 'log-tailer', image: 'ghcr.io/e2e/tailer:1' }],
    annotations: { 'sim.hahaha.nais.io/run': 'odd=1s:0,log-tailer=3s:3' },
  }));
  const pod = await onlyPod(ns, 'odd');
  const name = pod.metadata!.name!;
  const none = await waitFor('NoShutdownAction', async () => (await podEvents(ns, name, 'NoShutdownAction'))[0], 20_000);
  t.equal(none.note, 'No way to shut down container log-tailer: no shutdown.hahaha.nais.io/log-tailer annotation and no catalog entry');
  const exited = await waitFor('SidecarExitedNonZero', async () => (await podEvents(ns, name, 'SidecarExitedNonZero'))[0], 20_000);
  t.equal(exited.note, 'Container log-tailer exited 3 (Error); under restartPolicy Never the pod is marked Failed and its Job may retry');
  await waitJob(ns, 'odd', 'failed', 20_000);
});
