// The controller behind its seams (fake clock, an event sink, scripted steps, a pod map that is
// also the record writer): one reconcile per key, with the pod's own record as the cursor. A
// restarted or new leader goes on where the last one stopped; what hahaha decided lasts as long
// as the pod, whatever becomes of its Events; a stale cache is never acted on; an abort mid-step
// sends nothing twice; a step that may have worked is judged by the container's state; outcomes
// are counted as what they are.

import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { CONFLICT_RETRY_MS, Controller } from '../../src/controller/controller.ts';
import type { LegacyReader } from '../../src/controller/legacy.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { config } from '../helpers.ts';
import { FakeClock } from '../fake-clock.ts';
import { MemoryEvents, MemoryPods, ScriptedSteps, memoryLog } from './fakes.ts';

const RETRY = { graceMs: 30_000, stepTimeoutMs: 10_000, backoffMs: 5_000, maxBackoffMs: 300_000, maxAttempts: 2 };

function job(name: string, sidecar: 'running' | 'terminated' = 'running', restartCount = 0, uid = `uid-${name}`): V1Pod {
  return {
    metadata: {
      name, namespace: 'ns', uid, labels: { 'nais.io/naisjob': 'true' },
      annotations: { 'hahaha.nais.io/main-container': 'main', 'shutdown.hahaha.nais.io/proxy': 'POST :9091/quitquitquit || exec /bin/kill -s INT 1' },
    },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'main' }, { name: 'proxy', image: 'proxy' }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        { name: 'main', image: 'main', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: new Date('2026-12-01T09:59:00Z') } } },
        { name: 'proxy', image: 'proxy', imageID: '', ready: true, restartCount, state: sidecar === 'running' ? { running: {} } : { terminated: { exitCode: 0, finishedAt: new Date('2026-12-01T10:00:01Z') } } },
      ],
    },
  };
}

function setup(o: { events?: MemoryEvents; clock?: FakeClock; pods?: MemoryPods; concurrency?: number; legacy?: LegacyReader; retry?: Partial<typeof RETRY>; dryRun?: boolean } = {}) {
  const clock = o.clock ?? new FakeClock();
  const events = o.events ?? new MemoryEvents();
  const pods = o.pods ?? new MemoryPods();
  const steps = new ScriptedSteps();
  const metrics = createMetrics();
  const log = memoryLog();
  const awaiting = new Map<string, number>();
  const controller = new Controller({
    config: config(), pods, records: pods, steps, events, metrics, awaiting, log, clock, retry: { ...RETRY, ...o.retry }, concurrency: o.concurrency ?? 4, nativeMarginMs: 30_000,
    ...(o.legacy ? { legacy: o.legacy } : {}),
    ...(o.dryRun ? { dryRun: true } : {}),
  });
  const outcomes = async () => (await metrics.sidecarShutdowns.get()).values.filter((v) => v.value > 0).map((v) => `${v.labels.step} ${v.labels.result} ${v.value}`).sort();
  return { clock, events, pods, steps, metrics, log, controller, outcomes, awaiting };
}

t.test('step 1 answers, the container terminates: one request, counted as success', async (t) => {
  const { controller, pods, steps, events, outcomes } = setup();
  pods.put(job('a'));
  controller.startLeading();
  t.same(await controller.process('ns/a'), { requeueAfterMs: 30_000 }, 'looks again after the grace period');
  t.same(steps.calls, ['a/proxy: POST :9091/quitquitquit']);
  t.same(events.writes, ['Killing proxy/0/0']);
  t.match(pods.record('ns/a'), { sidecars: { proxy: { round: 0, step: 0 } } }, 'the claim is in the pod');
  pods.put(job('a', 'terminated'));
  t.same(await controller.process('ns/a'), {});
  t.same(steps.calls.length, 1, 'nothing sent twice');
  t.same(await outcomes(), ['http success 1']);
});

t.test('a step that fails outright moves on to the next step at once, with one write for both', async (t) => {
  const { controller, pods, steps, events } = setup();
  pods.put(job('a'));
  steps.answers.push({ ok: false, detail: 'port-forward to :9091: connection refused' });
  controller.startLeading();
  t.same(await controller.process('ns/a'), { requeueAfterMs: 30_000 });
  t.same(steps.calls, ['a/proxy: POST :9091/quitquitquit', 'a/proxy: exec /bin/kill -s INT 1']);
  t.same(events.writes, ['Killing proxy/0/0', 'ShutdownFailed proxy/0/0', 'Killing proxy/0/1']);
  t.equal(pods.recordWrites.length, 2, 'the claim of step 1, then the claim of step 2 (which says step 1 failed)');
});

t.test('a dead exec session (no exit status) is judged by the container state, with no fixed window', async (t) => {
  const { controller, pods, steps, events, outcomes, clock } = setup();
  pods.put(job('a'));
  steps.answers.push({ ok: false, maybe: true, detail: 'the connection closed without an exit status' });
  controller.startLeading();
  t.same(await controller.process('ns/a'), { requeueAfterMs: 30_000 }, 'waits the grace period for the state');
  t.same(events.reasons('ShutdownFailed'), [], 'not recorded as failed');
  clock.advance(12_000);
  pods.put(job('a', 'terminated'));
  await controller.process('ns/a');
  t.same(steps.calls.length, 1);
  t.same(await outcomes(), ['http success 1']);
});

t.test('answered but still running after the grace period: recorded, then the next step', async (t) => {
  const { controller, pods, steps, events, clock } = setup();
  pods.put(job('a'));
  controller.startLeading();
  await controller.process('ns/a');
  clock.advance(29_000);
  t.same(await controller.process('ns/a'), { requeueAfterMs: 1000 }, 'the grace period is not over');
  clock.advance(1000);
  t.same(await controller.process('ns/a'), { requeueAfterMs: 30_000 }, 'recorded as failed, and step 2 sent');
  t.match(events.reasons('ShutdownFailed')[0]?.note, /container proxy still running 30s after the step answered/);
  t.same(steps.calls, ['a/proxy: POST :9091/quitquitquit', 'a/proxy: exec /bin/kill -s INT 1']);
});

t.test('a new leader (or a restart) goes on from the pod\'s record: same round, same budget, no step sent twice', async (t) => {
  const clock = new FakeClock();
  const events = new MemoryEvents();
  const pods = new MemoryPods();
  pods.put(job('a'));
  const first = setup({ clock, events, pods });
  first.steps.answers.push({ ok: false, detail: 'HTTP 503' }, { ok: false, detail: 'exit code 1' });
  first.controller.startLeading();
  await first.controller.process('ns/a');
  t.same(first.steps.calls.length, 2, 'round 1: both steps failed');
  first.controller.stopLeading('failover');

  const second = setup({ clock, events, pods });
  second.controller.startLeading();
  t.same(await second.controller.process('ns/a'), { requeueAfterMs: 5000 }, 'the backoff of round 1 holds across leaders');
  t.same(second.steps.calls, []);
  clock.advance(5000);
  second.steps.answers.push({ ok: false, detail: 'HTTP 503' }, { ok: false, detail: 'exit code 1' });
  t.same(await second.controller.process('ns/a'), {}, 'round 2 fails too: maxAttempts 2 is spent');
  t.same(second.steps.calls.length, 2, 'round 2');
  t.equal(events.reasons('ShutdownAbandoned').length, 1);
  t.match(pods.record('ns/a'), { sidecars: { proxy: { round: 1, gaveUp: true } } });

  // Leadership flaps back, hours later, every Event expired: the budget is not reset, nothing is sent or reported again.
  second.controller.stopLeading('flap');
  events.expire();
  const third = setup({ clock, events, pods });
  third.controller.startLeading();
  clock.advance(6 * 3600_000);
  t.same(await third.controller.process('ns/a'), {});
  t.same(third.steps.calls, [], 'given up stays given up');
  t.same(events.emitted, [], 'no new Warning');
});

t.test('a claim by a leader that died mid-step is waited out, then counted as failed, not sent again', async (t) => {
  const clock = new FakeClock();
  const events = new MemoryEvents();
  const pods = new MemoryPods();
  pods.put(job('a'));
  const first = setup({ clock, events, pods });
  let release!: () => void;
  first.steps.answers.push((signal) => new Promise((resolve) => {
    release = () => resolve({ ok: true, detail: 'HTTP 200' });
    signal.addEventListener('abort', () => resolve({ ok: false, maybe: true, detail: 'aborted' }));
  }));
  first.controller.startLeading();
  const inFlight = first.controller.process('ns/a');
  await new Promise((r) => setImmediate(r));
  first.controller.stopLeading('lost the lease');
  t.same(await inFlight, {}, 'the aborted step is dropped');
  void release;
  t.same(events.writes, ['Killing proxy/0/0'], 'no failure recorded for an aborted step');

  const second = setup({ clock, events, pods });
  second.controller.startLeading();
  t.same(await second.controller.process('ns/a'), { requeueAfterMs: 40_000 }, 'waits the step timeout and grace of the claim');
  t.same(second.steps.calls, [], 'does not send the claimed step again');
  clock.advance(40_000);
  await second.controller.process('ns/a');
  t.same(second.steps.calls, ['a/proxy: exec /bin/kill -s INT 1'], 'goes on with step 2');
});

t.test('M2: a stale cache is never acted on', async (t) => {
  const { controller, pods, steps } = setup();
  pods.put(job('a'));
  pods.synced = false;
  controller.startLeading();
  t.same(await controller.process('ns/a'), {});
  t.same(steps.calls, [], 'nothing sent from a stale cache');
  pods.synced = true;
  await controller.process('ns/a');
  t.same(steps.calls.length, 1, 'acts once current');
});

t.test('outcomes are counted as what they are: pod deleted, pod replaced, restarted', async (t) => {
  const { controller, pods, outcomes } = setup();
  for (const n of ['d', 'r', 'x']) pods.put(job(n));
  controller.startLeading();
  for (const n of ['d', 'r', 'x']) await controller.process(`ns/${n}`);
  pods.pods.delete('ns/d');
  pods.put(job('r', 'running', 1));
  pods.put(job('x', 'running', 0, 'uid-other'));
  for (const n of ['d', 'r', 'x']) await controller.process(`ns/${n}`);
  t.same(await outcomes(), ['http pod-deleted 1', 'http pod-replaced 1', 'http restarted 1']);
});

t.test('a claim that cannot be written sends nothing and fails the reconcile (retried with backoff)', async (t) => {
  const { controller, pods, steps } = setup();
  pods.put(job('a'));
  pods.failNext = 1;
  controller.startLeading();
  await t.rejects(controller.process('ns/a'), /503/);
  t.same(steps.calls, []);
});

t.test('a claim that loses its race (another writer, or a cache that lags) sends nothing and looks again later, not at once', async (t) => {
  const { controller, pods, steps, metrics, clock } = setup();
  pods.put(job('a'));
  controller.startLeading();
  // Another replica claimed the step: the apiserver has a record this cache has not seen.
  pods.lagging = true;
  await pods.write({ namespace: 'ns', name: 'a', uid: 'uid-a' }, undefined, JSON.stringify({ sidecars: { proxy: { round: 0, step: 0, claimed: new Date(clock.now()).toISOString(), restarts: 0, firstRestarts: 0 } }, reported: [] }));
  t.same(await controller.process('ns/a'), { requeueAfterMs: CONFLICT_RETRY_MS });
  t.same(steps.calls, [], 'not sent: someone else holds the claim');
  t.equal((await metrics.recordConflicts.get()).values[0]?.value, 1);
  pods.catchUp();
  t.same(await controller.process('ns/a'), { requeueAfterMs: 40_000 }, 'from the record it now sees: the other claim is waited out');
  t.same(steps.calls, []);
});

t.test('the record this process wrote is read back while the cache lags behind it: no race lost against itself', async (t) => {
  const { controller, pods, steps, metrics } = setup();
  pods.put(job('a'));
  pods.lagging = true;
  steps.answers.push({ ok: true, detail: 'HTTP 200' });
  controller.startLeading();
  await controller.process('ns/a');
  t.same(await controller.process('ns/a'), { requeueAfterMs: 30_000 }, 'waits out its own claim');
  t.equal(steps.calls.length, 1);
  t.same((await metrics.recordConflicts.get()).values.filter((v) => v.value > 0), []);
});

t.test('not leading: nothing; the workers are bounded by concurrency', async (t) => {
  const { controller, pods, steps } = setup({ concurrency: 2 });
  for (let i = 0; i < 6; i++) pods.put(job(`p${i}`));
  t.same(await controller.process('ns/p0'), {}, 'a follower does nothing');
  let inFlight = 0;
  let most = 0;
  const release: (() => void)[] = [];
  for (let i = 0; i < 6; i++) {
    steps.answers.push(() => {
      inFlight++;
      most = Math.max(most, inFlight);
      return new Promise((resolve) => release.push(() => {
        inFlight--;
        resolve({ ok: true, detail: 'HTTP 200' });
      }));
    });
  }
  controller.start();
  controller.startLeading();
  for (let i = 0; i < 20 && steps.calls.length < 6; i++) {
    await new Promise((r) => setTimeout(r, 5));
    release.shift()?.();
  }
  while (release.length) release.shift()?.();
  t.equal(steps.calls.length, 6, 'every pod got its step');
  t.equal(most, 2, 'never more than two at once');
  await controller.drain(1000);
});

t.test('the resync passes over pods whose plan holds until they change, and decides them again once they do', async (t) => {
  const { controller, pods, steps, metrics } = setup();
  const running = (name: string, annotations: Record<string, string> = {}): V1Pod => {
    const p = job(name);
    (p.status?.containerStatuses?.[0] as { state: unknown }).state = { running: {} };
    Object.assign(p.metadata?.annotations ?? {}, annotations);
    return p;
  };
  pods.put(running('a'));
  pods.put(running('b'));
  pods.put(running('bad', { 'shutdown.hahaha.nais.io/proxy': 'POST 9091/quit' })); // a problem to report: never passed over
  pods.put(job('c')); // mains done: a step is sent, and the pod is looked at again
  const resynced = async (): Promise<number> => (await metrics.queueWait.get()).values.find((v) => v.metricName === 'hahaha_queue_wait_seconds_count' && v.labels.lane === 'resync')?.value ?? 0;
  const settle = () => new Promise((r) => setTimeout(r, 30));
  controller.start();
  controller.startLeading(); // the first look at every pod
  await settle();
  t.equal(await resynced(), 4, 'every pod is decided once');
  t.same(steps.calls, ['c/proxy: POST :9091/quitquitquit']);
  await controller.enqueueAll();
  await settle();
  t.equal(await resynced(), 5, 'the next resync takes only the pod whose record changed when its problem was reported (the pod with a step sent waits for its grace period)');
  pods.put(running('a')); // a change: a new object in the cache, the same containers running
  await controller.enqueueAll();
  await settle();
  t.equal(await resynced(), 6, 'a changed pod is decided again; a problem already reported is passed over');
  controller.stopLeading('test');
  controller.startLeading(); // a new term looks at everything again
  await settle();
  t.equal(await resynced(), 10);
  t.equal(steps.calls.length, 1, 'nothing sent twice');
  await controller.drain(100);
});

t.test('a pod that is gone is forgotten even while the cache is stale; nothing else is done then', async (t) => {
  const { controller, pods, steps, awaiting, outcomes } = setup();
  pods.put(job('a'));
  pods.put(job('b'));
  controller.startLeading();
  await controller.process('ns/a');
  t.same([...awaiting.keys()], ['ns/a'], 'awaiting its sidecar');
  pods.synced = false;
  pods.pods.delete('ns/a');
  t.same(await controller.process('ns/a'), {});
  t.same([...awaiting.keys()], [], 'forgotten: the gauge no longer counts a pod that is gone');
  t.same(await outcomes(), ['http pod-deleted 1'], 'what was sent to it is counted');
  t.same(await controller.process('ns/b'), {}, 'a pod still there is not acted on while the cache is stale');
  t.equal(steps.calls.length, 1);
});

t.test('drain aborts steps that outlive its bound', async (t) => {
  const { controller, pods, steps } = setup();
  pods.put(job('a'));
  let aborted = false;
  steps.answers.push((signal) => new Promise((resolve) => signal.addEventListener('abort', () => {
    aborted = true;
    resolve({ ok: false, maybe: true, detail: 'aborted' });
  })));
  controller.start();
  controller.startLeading();
  await new Promise((r) => setTimeout(r, 20));
  const started = Date.now();
  await controller.drain(100);
  t.ok(aborted, 'the step was aborted');
  t.ok(Date.now() - started < 1000, 'within the bound');
});

t.test('a sidecar in CrashLoopBackOff is reported once, as crash-looping, whatever its restarts', async (t) => {
  const { controller, pods, events } = setup();
  for (const restarts of [1, 2, 3]) {
    const pod = job('c');
    pod.status!.containerStatuses![1] = { name: 'proxy', image: 'proxy', imageID: '', ready: false, restartCount: restarts, state: { waiting: { reason: 'CrashLoopBackOff' } } };
    pods.put(pod);
    controller.startLeading();
    await controller.process('ns/c');
    await new Promise((r) => setImmediate(r));
  }
  t.same(events.reasons('SidecarCrashLooping').map((e) => e.key), ['SidecarCrashLooping/proxy']);
  t.same(events.reasons('SidecarNotStarted'), [], 'not reported as never started');
});

t.test('the reaction is timed from the change showing the mains done reaching hahaha to the first step sent, once per pod', async (t) => {
  const { controller, pods, steps, metrics, clock } = setup();
  const reactions = async () => {
    const v = (await metrics.reaction.get()).values;
    return { count: v.find((x) => x.metricName === 'hahaha_shutdown_reaction_seconds_count')?.value, sum: v.find((x) => x.metricName === 'hahaha_shutdown_reaction_seconds_sum')?.value };
  };
  controller.startLeading();
  const running = job('a');
  (running.status?.containerStatuses?.[0] as { state: unknown }).state = { running: {} };
  pods.put(running);
  controller.enqueue('ns/a');
  await controller.process('ns/a');
  t.same(steps.calls, [], 'mains running: nothing to do');
  controller.enqueue('ns/a'); // a change before the mains finished, still queued: not where the reaction starts
  clock.advance(500);
  pods.put(job('a'));
  controller.enqueue('ns/a'); // the watch event with the main container terminated
  clock.advance(40);
  controller.enqueue('ns/a'); // a later change before the reconcile: the first one showing the mains done counts
  await controller.process('ns/a');
  t.same(steps.calls, ['a/proxy: POST :9091/quitquitquit']);
  t.same(await reactions(), { count: 1, sum: 0.04 }, '40 ms from the arrival to the step');
  clock.advance(30_000);
  controller.enqueue('ns/a');
  await controller.process('ns/a'); // still running after the grace period: recorded as failed, and the next step sent
  t.equal(steps.calls.length, 2, 'the next step is sent');
  t.same((await reactions()).count, 1, 'later steps of the pod are not reactions');
  // A pod first seen finished by the resync (no change arrived, as after a restart) is not timed.
  pods.put(job('b'));
  await controller.process('ns/b');
  t.same((await reactions()).count, 1);
});

t.test('reports are made once per pod and container, across leaders and after their Events expired', async (t) => {
  const clock = new FakeClock();
  const events = new MemoryEvents();
  const pods = new MemoryPods();
  const pod = job('n');
  pod.status!.containerStatuses![1] = { name: 'proxy', image: 'proxy', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } };
  pods.put(pod);
  const counted = async (m: ReturnType<typeof setup>['metrics']) => (await m.unsupportedSidecars.get()).values.reduce((n, v) => n + v.value, 0);
  const first = setup({ clock, events, pods });
  first.controller.startLeading();
  await first.controller.process('ns/n');
  await first.controller.process('ns/n');
  t.same(events.writes, ['SidecarNotStarted SidecarNotStarted/proxy']);
  t.equal(await counted(first.metrics), 1);
  first.controller.stopLeading('restart');
  events.expire();
  clock.advance(2 * 3600_000);
  const second = setup({ clock, events, pods });
  second.controller.startLeading();
  await second.controller.process('ns/n');
  t.same(events.emitted, [], 'not reported again');
  t.equal(await counted(second.metrics), 0, 'not counted again: the counter counts pods, not pod-hours');
  t.same(pods.record('ns/n')?.reported, ['SidecarNotStarted/proxy']);
});

t.test('the budget is per pod and container: a sidecar restarted after each step under OnFailure is given up once, saying why', async (t) => {
  const { controller, pods, steps, events, clock } = setup({ retry: { maxAttempts: 3 } });
  const onFailure = (restarts: number): V1Pod => {
    const p = job('o', 'running', restarts);
    p.spec!.restartPolicy = 'OnFailure';
    p.metadata!.annotations!['shutdown.hahaha.nais.io/proxy'] = 'POST :9091/quitquitquit';
    return p;
  };
  pods.put(onFailure(0));
  controller.startLeading();
  for (let restarts = 0; restarts < 10; restarts++) {
    pods.put(onFailure(restarts));
    await controller.process('ns/o');
    clock.advance(60_000);
  }
  t.equal(steps.calls.length, 3, 'one step per round, three rounds, whatever the restarts');
  const gaveUp = events.reasons('ShutdownAbandoned');
  t.equal(gaveUp.length, 1);
  t.match(gaveUp[0]?.note, /exits non-zero when told to quit, and the kubelet restarts it \(restartPolicy OnFailure\); make it native, or make it exit 0/);
  t.match(events.reasons('ShutdownFailed')[0]?.note, /restarted by the kubelet/);
});

t.test('a native sidecar the kubelet starts again after the fallback stopped it is given up once, not stopped again', async (t) => {
  const { controller, pods, steps, events, clock } = setup();
  const stuck = (restarts: number): V1Pod => ({
    metadata: { name: 'nat', namespace: 'ns', uid: 'uid-nat', labels: { 'nais.io/naisjob': 'true' }, annotations: { 'hahaha.nais.io/main-container': 'main' } },
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 30, initContainers: [{ name: 'cloudsql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2', restartPolicy: 'Always' }], containers: [{ name: 'main', image: 'main' }] },
    status: {
      phase: 'Running',
      initContainerStatuses: [{ name: 'cloudsql-proxy', image: 'x', imageID: '', ready: true, restartCount: restarts, state: { running: {} } }],
      containerStatuses: [{ name: 'main', image: 'main', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: new Date(clock.now() - 120_000).toISOString() as never } } }],
    },
  });
  pods.put(stuck(0));
  controller.startLeading();
  await controller.process('ns/nat');
  t.equal(steps.calls.length, 1, 'the fallback stops it once');
  for (let i = 1; i <= 6; i++) {
    clock.advance(60_000);
    pods.put(stuck(1)); // the kubelet started it again
    await controller.process('ns/nat');
  }
  t.equal(steps.calls.length, 1, 'not stopped again');
  t.equal(events.reasons('ShutdownAbandoned').length, 1);
  t.match(events.reasons('ShutdownAbandoned')[0]?.note, /the kubelet started it again after hahaha stopped it/);
  t.equal(events.reasons('NativeSidecarNotStopped').length, 1, 'reported once');
});

t.test('an upgrade from 0.1 with pods in flight: its cursor in Events carries over, nothing sent twice, no budget reset', async (t) => {
  const { legacyReader } = await import('../../src/controller/legacy.ts');
  const { eventName } = await import('../../src/controller/events.ts');
  const clock = new FakeClock();
  const ref = { name: 'a', namespace: 'ns', uid: 'uid-a' };
  // 0.1 claimed step 1 in its second round 5 s ago, and step 1 failed in round 1.
  const stored = new Map([
    [eventName({ pod: ref, reason: 'Killing', key: 'uid-a/proxy/0/0' }), { series: { count: 2, lastObservedTime: new Date(clock.now() - 5000) } }],
    [eventName({ pod: ref, reason: 'ShutdownFailed', key: 'uid-a/proxy/0/0' }), { series: { count: 1, lastObservedTime: new Date(clock.now() - 20_000) } }],
  ]);
  const reads: string[] = [];
  const api = {
    createNamespacedEvent: async () => ({}),
    readNamespacedEvent: async ({ name }: { name: string }) => {
      reads.push(name);
      const e = stored.get(name);
      if (!e) throw Object.assign(new Error('NotFound'), { code: 404 });
      return e;
    },
  };
  const pods = new MemoryPods();
  pods.put(job('a'));
  clock.advance(1);
  const { controller, steps } = setup({ clock, pods, legacy: legacyReader(api as never) });
  controller.startLeading();
  t.same(await controller.process('ns/a'), { requeueAfterMs: 34_999 }, 'round 2\'s claim (5 s and 1 ms ago) is waited out: step timeout and grace from its time');
  t.same(steps.calls, [], 'not sent again');
  t.match(pods.record('ns/a'), { sidecars: { proxy: { round: 1, step: 0 } } }, 'the cursor now lives in the pod');
  const before = reads.length;
  clock.advance(35_000);
  steps.answers.push({ ok: false, detail: 'HTTP 503' }, { ok: false, detail: 'exit 1' });
  t.same(await controller.process('ns/a'), {}, 'round 2 of maxAttempts 2 ends: given up, not started over');
  t.same(steps.calls, ['a/proxy: exec /bin/kill -s INT 1']);
  t.equal(reads.length, before, 'the Events are read once, then the record serves');
});

t.test('a pod whose mains finish after this term began (by more than a node\'s clock may be ahead) reads no 0.1 Events', async (t) => {
  const reads: string[] = [];
  const legacy: LegacyReader = { progress: async (pod) => { reads.push(pod.name); return undefined; } };
  const { controller, pods, clock } = setup({ legacy });
  clock.advance(1);
  controller.startLeading();
  clock.advance(61_000);
  const p = job('new');
  (p.status!.containerStatuses![0]!.state as unknown as { terminated: { finishedAt: string } }).terminated.finishedAt = new Date(clock.now()).toISOString();
  pods.put(p);
  await controller.process('ns/new');
  t.same(reads, []);
});

t.test('--dry-run reports what it would do once per pod and container, sends nothing, and says so again after no restart', async (t) => {
  const pods = new MemoryPods();
  const events = new MemoryEvents();
  pods.put(job('a'));
  const first = setup({ pods, events, dryRun: true });
  first.controller.startLeading();
  await first.controller.process('ns/a');
  await first.controller.process('ns/a');
  t.same(first.steps.calls, []);
  t.same(events.emitted.map((e) => e.note), ['Dry run: would shut down container proxy (POST :9091/quitquitquit || exec /bin/kill -s INT 1)']);
  const second = setup({ pods, events, dryRun: true });
  second.controller.startLeading();
  await second.controller.process('ns/a');
  t.equal(events.emitted.length, 1, 'the record says it was reported');
});

t.test('two sidecars, one answers and one fails outright until it is given up: the pod is still looked at when the first one\'s grace is up', async (t) => {
  const { controller, pods, steps } = setup({ retry: { maxAttempts: 1 } });
  const p = job('two');
  p.spec!.containers.push({ name: 'second', image: 'second' });
  p.metadata!.annotations!['shutdown.hahaha.nais.io/second'] = 'POST :1/quit';
  p.status!.containerStatuses!.push({ name: 'second', image: 'second', imageID: '', ready: true, restartCount: 0, state: { running: {} } });
  pods.put(p);
  steps.answers.push({ ok: true, detail: 'HTTP 200' }, { ok: false, detail: 'refused' });
  controller.startLeading();
  t.same(await controller.process('ns/two'), { requeueAfterMs: 30_000 }, 'the grace period of the step that answered');
  t.match(pods.record('ns/two'), { sidecars: { second: { gaveUp: true } } });
});

t.test('review: a 0.1 sidecar given up stays given up even after its last claim expired before its ShutdownAbandoned', async (t) => {
  const { legacyReader } = await import('../../src/controller/legacy.ts');
  const { eventName } = await import('../../src/controller/events.ts');
  const clock = new FakeClock();
  const ref = { name: 'a', namespace: 'ns', uid: 'uid-a' };
  const stored = new Map([[eventName({ pod: ref, reason: 'ShutdownAbandoned', key: 'uid-a/proxy/0' }), { eventTime: new Date(clock.now() - 1000) }]]);
  const api = {
    createNamespacedEvent: async () => ({}),
    readNamespacedEvent: async ({ name }: { name: string }) => stored.get(name) ?? Promise.reject(Object.assign(new Error('NotFound'), { code: 404 })),
  };
  const pods = new MemoryPods();
  pods.put(job('a'));
  clock.advance(1);
  const { controller, steps } = setup({ clock, pods, legacy: legacyReader(api as never) });
  controller.startLeading();
  await controller.process('ns/a');
  t.same(steps.calls, [], 'not started over');
  t.match(pods.record('ns/a'), { sidecars: { proxy: { gaveUp: true } } });
});

t.test('review: a long chain of steps that all fail outright records its last failure; counts are made once the record says so', async (t) => {
  const { controller, pods, steps, metrics } = setup({ retry: { maxAttempts: 1 } });
  const p = job('long');
  p.metadata!.annotations!['shutdown.hahaha.nais.io/proxy'] = Array.from({ length: 20 }, (_, i) => `POST :${9000 + i}/quit`).join(' || ');
  pods.put(p);
  for (let i = 0; i < 20; i++) steps.answers.push({ ok: false, detail: 'refused' });
  controller.startLeading();
  t.same(await controller.process('ns/long'), { requeueAfterMs: CONFLICT_RETRY_MS }, 'a pass limit, then a look again soon');
  const record = pods.record('ns/long')?.sidecars.proxy;
  t.ok(record?.failedAt !== undefined, 'the last step sent is recorded as failed, not left claimed');
  await controller.process('ns/long');
  t.equal(steps.calls.length, 20, 'every step sent once');
  t.match(pods.record('ns/long')?.sidecars.proxy, { gaveUp: true }, 'and given up at once, with no wait for a step timeout');
  const counted = (await metrics.sidecarShutdowns.get()).values.filter((v) => v.value > 0).map((v) => `${v.labels.result} ${v.value}`);
  t.same(counted, ['failed 20']);
});

t.test('review: a lost race counts and logs nothing of what it would have recorded', async (t) => {
  const { controller, pods, metrics, clock } = setup();
  pods.put(job('a'));
  controller.startLeading();
  await controller.process('ns/a');
  clock.advance(40_000);
  pods.lagging = true;
  // Another writer moves the record on: this replica's "still running" is a lost race.
  await pods.write({ namespace: 'ns', name: 'a', uid: 'uid-a' }, pods.pods.get('ns/a')?.metadata?.annotations?.['state.hahaha.nais.io/v1'], JSON.stringify({ sidecars: {}, reported: ['x'] }));
  t.same(await controller.process('ns/a'), { requeueAfterMs: CONFLICT_RETRY_MS });
  t.same((await metrics.sidecarShutdowns.get()).values.filter((v) => v.value > 0 && v.labels.result === 'still-running'), [], 'not counted');
});
