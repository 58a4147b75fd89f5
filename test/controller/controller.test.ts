// The controller behind its seams (fake clock, in-memory events, scripted steps, a pod map): one
// reconcile per key, with the Events as the cursor. A restarted or new leader goes on where the
// last one stopped; a stale cache is never acted on; an abort mid-step sends nothing twice; a
// step that may have worked is judged by the container's state; outcomes are counted as what
// they are.

import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { Controller } from '../../src/controller/controller.ts';
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

function setup(o: { events?: MemoryEvents; clock?: FakeClock; pods?: MemoryPods; concurrency?: number } = {}) {
  const clock = o.clock ?? new FakeClock();
  const events = o.events ?? new MemoryEvents(clock);
  const pods = o.pods ?? new MemoryPods();
  const steps = new ScriptedSteps();
  const metrics = createMetrics();
  const log = memoryLog();
  const awaiting = new Map<string, number>();
  const controller = new Controller({ config: config(), pods, steps, events, metrics, awaiting, log, clock, retry: RETRY, concurrency: o.concurrency ?? 4, nativeMarginMs: 30_000 });
  const outcomes = async () => (await metrics.sidecarShutdowns.get()).values.filter((v) => v.value > 0).map((v) => `${v.labels.step} ${v.labels.result} ${v.value}`).sort();
  return { clock, events, pods, steps, metrics, log, controller, outcomes, awaiting };
}

t.test('step 1 answers, the container terminates: one request, counted as success', async (t) => {
  const { controller, pods, steps, events, outcomes } = setup();
  pods.put(job('a'));
  controller.startLeading();
  t.same(await controller.process('ns/a'), { requeueAfterMs: 30_000 }, 'looks again after the grace period');
  t.same(steps.calls, ['a/proxy: POST :9091/quitquitquit']);
  t.same(events.writes, ['Killing uid-a/proxy/0/0 #1']);
  pods.put(job('a', 'terminated'));
  t.same(await controller.process('ns/a'), {});
  t.same(steps.calls.length, 1, 'nothing sent twice');
  t.same(await outcomes(), ['http success 1']);
});

t.test('a step that fails outright moves on to the next step at once', async (t) => {
  const { controller, pods, steps, events } = setup();
  pods.put(job('a'));
  steps.answers.push({ ok: false, detail: 'port-forward to :9091: connection refused' });
  controller.startLeading();
  t.same(await controller.process('ns/a'), { requeueAfterMs: 0 });
  t.same(await controller.process('ns/a'), { requeueAfterMs: 30_000 });
  t.same(steps.calls, ['a/proxy: POST :9091/quitquitquit', 'a/proxy: exec /bin/kill -s INT 1']);
  t.same(events.writes, ['Killing uid-a/proxy/0/0 #1', 'ShutdownFailed uid-a/proxy/0/0 #1', 'Killing uid-a/proxy/0/1 #1']);
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
  t.same(await controller.process('ns/a'), { requeueAfterMs: 0 });
  t.match(events.reasons('ShutdownFailed')[0]?.note, /container proxy still running 30s after the step answered/);
  await controller.process('ns/a');
  t.same(steps.calls, ['a/proxy: POST :9091/quitquitquit', 'a/proxy: exec /bin/kill -s INT 1']);
});

t.test('a new leader (or a restart) goes on from the Events: same round, same budget, no step sent twice', async (t) => {
  const clock = new FakeClock();
  const events = new MemoryEvents(clock);
  const pods = new MemoryPods();
  pods.put(job('a'));
  const first = setup({ clock, events, pods });
  first.steps.answers.push({ ok: false, detail: 'HTTP 503' }, { ok: false, detail: 'exit code 1' });
  first.controller.startLeading();
  await first.controller.process('ns/a');
  await first.controller.process('ns/a');
  t.same(first.steps.calls.length, 2, 'round 1: both steps failed');
  first.controller.stopLeading('failover');

  const second = setup({ clock, events, pods });
  second.controller.startLeading();
  t.same(await second.controller.process('ns/a'), { requeueAfterMs: 5000 }, 'the backoff of round 1 holds across leaders');
  t.same(second.steps.calls, []);
  clock.advance(5000);
  second.steps.answers.push({ ok: false, detail: 'HTTP 503' }, { ok: false, detail: 'exit code 1' });
  await second.controller.process('ns/a');
  await second.controller.process('ns/a');
  t.same(second.steps.calls.length, 2, 'round 2');
  t.same(await second.controller.process('ns/a'), {}, 'maxAttempts 2: spent');
  t.equal(events.reasons('ShutdownAbandoned').length, 1);

  // Leadership flaps back: the budget is not reset, nothing is sent again.
  second.controller.stopLeading('flap');
  const third = setup({ clock, events, pods });
  third.controller.startLeading();
  clock.advance(600_000);
  t.same(await third.controller.process('ns/a'), {});
  t.same(third.steps.calls, [], 'abandoned stays abandoned');
  t.equal(events.reasons('ShutdownAbandoned').length, 1);
});

t.test('a claim by a leader that died mid-step is waited out, then counted as failed, not sent again', async (t) => {
  const clock = new FakeClock();
  const events = new MemoryEvents(clock);
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
  t.same(events.writes, ['Killing uid-a/proxy/0/0 #1'], 'no failure recorded for an aborted step');

  const second = setup({ clock, events, pods });
  second.controller.startLeading();
  t.same(await second.controller.process('ns/a'), { requeueAfterMs: 40_000 }, 'waits the step timeout and grace of the claim');
  t.same(second.steps.calls, [], 'does not send the claimed step again');
  clock.advance(40_000);
  await second.controller.process('ns/a');
  await second.controller.process('ns/a');
  t.same(second.steps.calls, ['a/proxy: exec /bin/kill -s INT 1'], 'goes on with step 2');
});

t.test('M2: a stale cache (pods or events) is never acted on', async (t) => {
  const { controller, pods, steps, events } = setup();
  pods.put(job('a'));
  pods.synced = false;
  controller.startLeading();
  t.same(await controller.process('ns/a'), {});
  pods.synced = true;
  events.synced = false;
  t.same(await controller.process('ns/a'), {});
  t.same(steps.calls, [], 'nothing sent from a stale cache');
  events.synced = true;
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
  const { controller, pods, steps, events } = setup();
  pods.put(job('a'));
  events.failNext = 1;
  controller.startLeading();
  await t.rejects(controller.process('ns/a'), /could not write the claim/);
  t.same(steps.calls, []);
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
  t.equal(await resynced(), 5, 'the next resync takes only the pod with a problem (the pod with a step sent waits for its grace period)');
  pods.put(running('a')); // a change: a new object in the cache, the same containers running
  await controller.enqueueAll();
  await settle();
  t.equal(await resynced(), 7, 'a changed pod is decided again');
  controller.stopLeading('test');
  controller.startLeading(); // a new term looks at everything again
  await settle();
  t.equal(await resynced(), 11);
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
  t.same(events.reasons('SidecarCrashLooping').map((e) => e.key), ['uid-c/proxy/crash-looping']);
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
  await controller.process('ns/a'); // still running after the grace period: recorded as failed
  await controller.process('ns/a');
  t.equal(steps.calls.length, 2, 'the next step is sent');
  t.same((await reactions()).count, 1, 'later steps of the pod are not reactions');
  // A pod first seen finished by the resync (no change arrived, as after a restart) is not timed.
  pods.put(job('b'));
  await controller.process('ns/b');
  t.same((await reactions()).count, 1);
});
