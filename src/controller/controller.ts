// The shutdown controller: a work queue of pod keys, and one reconcile per key. The pure `decide`
// says which sidecars must be shut down; the pure `reconcile` reads, for each, the cursor that the
// Events hold (which step of which round, and when) and says what comes next: claim and send a
// step, record that a step failed, back off, give up, or nothing. Nothing that matters is kept in
// this process: a restarted or new leader reads the same Events and goes on where the last one
// stopped, retry budget and backoff included. What this process does keep is a hint (when it saw
// a step's answer, which only shortens a wait) and what it sent, for counting outcomes.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { V1Pod } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { type Step, formatStep } from '../core/action.ts';
import type { Config } from '../core/analysis.ts';
import { type Plan, type Target, decide, holdsUntilChanged } from '../core/plan.ts';
import { type PodView, podView } from '../core/pod.ts';
import { type Cursor, type RetrySettings, type SentTo, outcomeOf, reconcile } from '../core/reconcile.ts';
import { MetricLabels } from '../server/labels.ts';
import type { AwaitingPods, Metrics } from '../server/metrics.ts';
import { type Clock, systemClock } from './clock.ts';
import type { EventSink, EventSpec, PodRef } from './events.ts';
import { type Processed, WorkQueue, runWorkers } from './queue.ts';
import { keyOf } from './reflector.ts';
import type { StepResult, StepTarget } from './steps.ts';

export interface StepExecutor {
  http(t: StepTarget, step: Extract<Step, { kind: 'http' }>, abort: AbortSignal): Promise<StepResult>;
  exec(t: StepTarget, step: Extract<Step, { kind: 'exec' }>, abort: AbortSignal): Promise<StepResult>;
}

export interface PodSource {
  get(key: string): V1Pod | undefined;
  list(): Iterable<V1Pod>;
  /** The cache is known to be current: only then does the controller act. */
  readonly synced: boolean;
}

export interface ControllerOptions {
  readonly config: Config;
  readonly pods: PodSource;
  readonly steps: StepExecutor;
  readonly events: EventSink;
  readonly metrics: Metrics;
  readonly awaiting: AwaitingPods;
  readonly log: FastifyBaseLogger;
  readonly clock?: Clock;
  readonly retry: RetrySettings;
  /** Pods reconciled at once (the workers of the queue). */
  readonly concurrency: number;
  /** Decide and report "would shut down", act on nothing. */
  readonly dryRun?: boolean;
  /** Added to a pod's terminationGracePeriodSeconds before a native sidecar counts as not stopped by the kubelet. */
  readonly nativeMarginMs: number;
  /** Look at every unfinished pod this often (default 30 s). */
  readonly resyncMs?: number;
}

/** What this process sent a step to, until the pod shows what became of it (metrics only). */
interface Sent extends SentTo {
  readonly step: string;
  readonly namespace: string;
}

const podRef = (p: PodView): PodRef => ({ name: p.name, namespace: p.namespace, uid: p.uid });
/** The container an event is about, native sidecars (init containers) included. */
const about = (x: { container: string; native?: boolean }): Pick<EventSpec, 'container' | 'initContainer'> => ({ container: x.container, ...(x.native ? { initContainer: true } : {}) });
const FINISHED = new Set(['Succeeded', 'Failed']);
/** Keys resynced per turn of the event loop. */
const SLICE = 500;
const MAX_SENT = 50_000;

export class Controller {
  private readonly opts: ControllerOptions & { clock: Clock; dryRun: boolean };
  private readonly queue: WorkQueue;
  private readonly labels: MetricLabels;
  private workers?: Promise<void>;
  private leading = false;
  /** Shutting down: never lead again. */
  private draining = false;
  private abort = new AbortController();
  private cancelResync?: () => void;
  /** Pod key -> instance -> what was sent there. */
  private readonly sent = new Map<string, Map<string, Sent>>();
  /** Instance -> the step whose answer this process saw last, and when (only the open step is ever asked about). */
  private readonly answered = new Map<string, { step: number; round: number; at: number }>();
  /** Pod UIDs whose shutdown duration was observed. */
  private readonly observedDone = new Set<string>();
  /** Pods whose change showing the mains finished arrived at this time, until their first step is sent (the reaction metric). */
  private readonly doneSeenAt = new Map<string, number>();
  /**
   * Cached pod objects whose plan holds until they change (holdsUntilChanged): the resync passes
   * over them. A change, or a relist, puts a new object in the cache, which is decided again.
   */
  private settled = new WeakSet<V1Pod>();

  constructor(options: ControllerOptions) {
    if (!(options.concurrency >= 1)) throw new Error(`concurrency must be at least 1, not ${options.concurrency}`);
    this.opts = { ...options, clock: options.clock ?? systemClock, dryRun: options.dryRun ?? false };
    this.queue = new WorkQueue({ clock: this.opts.clock, onTaken: (ms, lane) => options.metrics.queueWait.observe({ lane }, ms / 1000) });
    this.labels = new MetricLabels(options.config.catalog);
  }

  /** Start the workers (they only act while this replica leads). */
  start(): void {
    this.workers ??= runWorkers(this.queue, this.opts.concurrency, (key) => this.process(key), (key, err, retryMs) =>
      this.opts.log.error({ err, pod: key, retryMs }, 'reconcile failed; retrying'),
    );
  }

  /** A pod changed (or the caches became current again): look at it again. */
  enqueue(key: string): void {
    if (!this.leading) return;
    if (!this.doneSeenAt.has(key) && !this.opts.awaiting.has(key)) this.noteIfDone(key);
    this.queue.add(key);
  }

  /** The change that shows a pod's mains finished has arrived: the reaction is timed from now. */
  private noteIfDone(key: string): void {
    const obj = this.opts.pods.get(key);
    if (!obj || FINISHED.has(obj.status?.phase ?? '')) return;
    // Most changes are of pods whose containers all still run: no decision needed to know they are not done.
    if (!obj.status?.containerStatuses?.some((c) => c.state?.terminated)) return;
    const now = this.opts.clock.now();
    if (decide(podView(obj), this.opts.config, { now, nativeMarginMs: this.opts.nativeMarginMs }).awaiting) {
      if (this.doneSeenAt.size >= MAX_SENT) this.doneSeenAt.delete(this.doneSeenAt.keys().next().value as string);
      this.doneSeenAt.set(key, now);
    }
  }

  /** Look at every pod that is not finished yet and may have something to do, a slice of keys per turn of the event loop. */
  async enqueueAll(): Promise<void> {
    let n = 0;
    for (const pod of this.opts.pods.list()) {
      if (!this.leading) return;
      if (FINISHED.has(pod.status?.phase ?? '') || this.settled.has(pod)) continue;
      this.queue.addBackground(keyOf(pod));
      if (++n % SLICE === 0) await yieldToLoop();
    }
  }

  startLeading(): void {
    if (this.draining || this.leading) return;
    this.leading = true;
    this.abort = new AbortController();
    this.settled = new WeakSet();
    this.opts.metrics.leader.set(1);
    this.opts.log.info('became the leader: acting on managed pods');
    const resync = (): void => {
      this.cancelResync = this.opts.clock.after(this.opts.resyncMs ?? 30_000, () => {
        void this.enqueueAll();
        resync();
      });
    };
    resync();
    void this.enqueueAll();
  }

  /** Stop acting at once: abort every step in flight (another replica now leads). */
  stopLeading(why: string): void {
    // Always abort: steps may still run after drain() stopped taking work.
    this.abort.abort(new Error(`no longer the leader: ${why}`));
    if (!this.leading) return;
    this.leading = false;
    this.opts.metrics.leader.set(0);
    this.cancelResync?.();
    this.queue.clear();
    this.opts.awaiting.clear();
    this.answered.clear();
    this.sent.clear();
    this.doneSeenAt.clear();
    this.opts.log.warn({ why }, 'stopped leading: acting on nothing');
  }

  /** Graceful stop: take no new work, let steps in flight finish within drainMs, then abort them. */
  async drain(drainMs: number): Promise<void> {
    const wasLeading = this.leading;
    this.leading = false;
    this.draining = true;
    this.cancelResync?.();
    this.queue.shutDown();
    const workers = this.workers ?? Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([workers.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), drainMs)))]);
    clearTimeout(timer);
    if (timedOut) this.abort.abort(new Error('shutting down'));
    await workers;
    if (wasLeading) this.opts.metrics.leader.set(0);
  }

  /** One reconcile of one pod key. */
  async process(key: string): Promise<Processed> {
    if (!this.leading) return {};
    const obj = this.opts.pods.get(key);
    // Gone: forget it even while a cache is stale (only what this process keeps; nothing is acted on).
    if (!obj) {
      this.opts.awaiting.delete(key);
      this.doneSeenAt.delete(key);
      this.settle(key, undefined);
      return {};
    }
    // A stale cache (pods or hahaha's events) is never acted on: the next list re-enqueues everything.
    if (!this.opts.pods.synced || !this.opts.events.synced) return {};
    const now = this.opts.clock.now();
    const pod = podView(obj);
    const plan = decide(pod, this.opts.config, { now, nativeMarginMs: this.opts.nativeMarginMs });
    this.settle(key, pod);
    this.trackAwaiting(key, pod, plan);
    this.report(pod, plan);
    if (holdsUntilChanged(plan) && !this.sent.has(key)) this.settled.add(obj);
    // Native sidecars: look again when the kubelet's time to stop them is up (capped; the resync covers the rest).
    let after = plan.recheckAfterMs !== undefined ? Math.min(plan.recheckAfterMs + 100, 60_000) : undefined;
    if (plan.kind === 'act') {
      const waits = await Promise.all(plan.targets.map((target) => this.advance(key, pod, target, now)));
      for (const w of waits) if (w !== undefined) after = Math.min(after ?? w, w);
    }
    return after === undefined ? {} : { requeueAfterMs: after };
  }

  /** The cursor of one instance, from the Events. */
  private cursorOf(ref: PodRef, target: Target): Cursor {
    const events = this.opts.events;
    return {
      claim: (i) => events.read({ pod: ref, reason: 'Killing', key: `${target.instance}/${i}` }),
      failure: (i) => events.read({ pod: ref, reason: 'ShutdownFailed', key: `${target.instance}/${i}` }),
      abandoned: events.read({ pod: ref, reason: 'ShutdownAbandoned', key: target.instance }) !== undefined,
    };
  }

  /** Take one target a step further; returns when to look at the pod again for it. */
  private async advance(key: string, pod: PodView, target: Target, now: number): Promise<number | undefined> {
    const ref = podRef(pod);
    const actions = target.action.map(formatStep).join(' || ');
    const note = target.note ? `; ${target.note}` : '';
    if (this.opts.dryRun) {
      await this.opts.events.record({ pod: ref, ...about(target), type: 'Normal', reason: 'WouldShutDown', action: 'Shutdown', key: target.instance, note: `Dry run: would shut down container ${target.container} (${actions})${note}` });
      return undefined;
    }
    const next = reconcile(target.action.length, this.cursorOf(ref, target), now, this.opts.retry, (i, r) => {
      const a = this.answered.get(target.instance);
      return a && a.step === i && a.round === r ? a.at : undefined;
    });
    switch (next.kind) {
      case 'done':
        return undefined;
      case 'wait':
        return next.afterMs;
      case 'abandon':
        this.opts.log.error({ pod: key, container: target.container, rounds: next.rounds }, 'gave up shutting down the sidecar');
        await this.opts.events.record({
          pod: ref, ...about(target), type: 'Warning', reason: 'ShutdownAbandoned', action: 'Shutdown', key: target.instance,
          note: `Gave up shutting down container ${target.container} after ${next.rounds} rounds of ${actions}; the pod keeps running until someone stops it`,
        });
        return undefined;
      case 'fail': {
        const step = target.action[next.step] as Step;
        this.opts.metrics.sidecarShutdowns.inc({ ...this.labels.of(pod.namespace, target.container), step: step.kind, result: 'still-running' });
        const text = formatStep(step);
        const written = await this.opts.events.occur(
          { pod: ref, ...about(target), type: 'Warning', reason: 'ShutdownFailed', action: 'Shutdown', key: `${target.instance}/${next.step}`, note: `${text}: container ${target.container} ${next.detail}` },
          next.round + 1,
          false,
        );
        if (written === 'failed') throw new Error(`could not record that ${text} failed`);
        return 0;
      }
      case 'send':
        return this.send(key, pod, target, next.step, next.round);
    }
  }

  /** Claim step i of a round (a Killing event with the round as its count), then send it. */
  private async send(key: string, pod: PodView, target: Target, i: number, round: number): Promise<number | undefined> {
    const ref = podRef(pod);
    const step = target.action[i] as Step;
    const text = formatStep(step);
    const signal = this.abort.signal;
    const claim = await this.opts.events.occur(
      { pod: ref, ...about(target), type: 'Normal', reason: 'Killing', action: 'Shutdown', key: `${target.instance}/${i}`, note: `Shut down container ${target.container} (${text})${target.note ? `; ${target.note}` : ''}` },
      round + 1,
      true,
    );
    // Someone else claimed it (a previous leader, or a write this cache has not seen yet): look again soon.
    if (claim === 'exists') return 1000;
    if (claim === 'failed') throw new Error(`could not write the claim for ${text}`);
    if (signal.aborted) return undefined;
    this.remember(key, target, step.kind, pod.namespace);
    const seen = this.doneSeenAt.get(key);
    if (seen !== undefined) {
      this.opts.metrics.reaction.observe(Math.max(0, this.opts.clock.now() - seen) / 1000);
      this.doneSeenAt.delete(key);
    }
    const where: StepTarget = { namespace: pod.namespace, pod: pod.name, container: target.container };
    const result: StepResult =
      step.kind === 'http' ? await this.opts.steps.http(where, step, signal) : step.kind === 'exec' ? await this.opts.steps.exec(where, step, signal) : { ok: true, detail: 'none' };
    if (signal.aborted) return undefined;
    const log = { pod: key, container: target.container, step: text, detail: result.detail };
    if (result.ok || result.maybe) {
      // Answered, or may have worked (the sidecar died mid-answer): the container's state decides within the grace period.
      if (this.answered.size >= MAX_SENT) this.answered.delete(this.answered.keys().next().value as string);
      this.answered.set(target.instance, { step: i, round, at: this.opts.clock.now() });
      this.opts.log.info(log, result.ok ? 'shutdown step answered; waiting for the container to terminate' : 'shutdown step got no answer; waiting for the container to terminate');
      return this.opts.retry.graceMs;
    }
    this.opts.metrics.sidecarShutdowns.inc({ ...this.labels.of(pod.namespace, target.container), step: step.kind, result: 'failed' });
    this.opts.log.warn(log, 'shutdown step failed');
    const written = await this.opts.events.occur(
      { pod: ref, ...about(target), type: 'Warning', reason: 'ShutdownFailed', action: 'Shutdown', key: `${target.instance}/${i}`, note: `${text} failed: ${result.detail}` },
      round + 1,
      false,
    );
    if (written === 'failed') throw new Error(`could not record that ${text} failed`);
    return 0;
  }

  private remember(key: string, target: Target, step: string, namespace: string): void {
    const [uid = ''] = target.instance.split('/');
    let forPod = this.sent.get(key);
    if (!forPod) {
      if (this.sent.size >= MAX_SENT) this.sent.delete(this.sent.keys().next().value as string);
      forPod = new Map();
      this.sent.set(key, forPod);
    }
    forPod.set(target.instance, { uid, container: target.container, restartCount: target.restartCount, step, namespace, ...(target.native ? { native: true } : {}) });
  }

  /** Count what became of every container this process sent a step to in the pod, and forget it. */
  private settle(key: string, pod: PodView | undefined): void {
    const forPod = this.sent.get(key);
    if (!forPod) return;
    for (const [instance, s] of forPod) {
      const outcome = outcomeOf(pod, s);
      if (outcome === 'running') continue;
      this.opts.metrics.sidecarShutdowns.inc({ ...this.labels.of(s.namespace, s.container), step: s.step, result: outcome });
      if (outcome === 'success') this.opts.log.info({ pod: key, container: s.container }, 'sidecar shut down');
      forPod.delete(instance);
      this.answered.delete(instance);
    }
    if (forPod.size === 0) this.sent.delete(key);
  }

  private trackAwaiting(key: string, pod: PodView, plan: Plan): void {
    if (plan.awaiting) {
      const since = Date.parse(plan.mainsFinishedAt ?? '') || this.opts.clock.now();
      this.opts.awaiting.set(key, since);
    } else {
      this.opts.awaiting.delete(key);
      this.doneSeenAt.delete(key);
    }
    if (plan.kind === 'done' && plan.mainsFinishedAt && !this.observedDone.has(pod.uid)) {
      const acted = pod.containerStatuses.some((s) => this.opts.events.read({ pod: podRef(pod), reason: 'Killing', key: `${pod.uid}/${s.name}/${s.restartCount}/0` }));
      if (!acted) return;
      const last = Math.max(...pod.containerStatuses.map((s) => Date.parse(s.finishedAt ?? '') || 0));
      const seconds = (last - Date.parse(plan.mainsFinishedAt)) / 1000;
      if (seconds >= 0) this.opts.metrics.shutdownDuration.observe(seconds);
      this.observedDone.add(pod.uid);
      if (this.observedDone.size > 10_000) this.observedDone.delete(this.observedDone.values().next().value as string);
    }
  }

  /** Report what cannot be acted on, once per container instance (the event names dedupe). */
  private report(pod: PodView, plan: Plan): void {
    const ref = podRef(pod);
    const once = (spec: EventSpec, count?: () => void): void => {
      void this.opts.events.record(spec).then((x) => x === 'written' && count?.());
    };
    if (plan.problems.length) {
      once({ pod: ref, type: 'Warning', reason: 'InvalidShutdownAnnotation', action: 'Validate', key: plan.problems.join('\n'), note: plan.problems.join('; ') });
    }
    const labels = (container: string) => this.labels.of(pod.namespace, container);
    for (const r of plan.unreachable) {
      once({ pod: ref, ...about(r), type: 'Warning', reason: 'SidecarNotStarted', action: 'Report', key: r.instance, note: `Cannot shut down container ${r.container}: it ${r.detail}` },
        () => this.opts.metrics.unsupportedSidecars.inc({ ...labels(r.container), reason: 'not-started' }));
    }
    for (const r of plan.crashLooping) {
      once({ pod: ref, ...about(r), type: 'Warning', reason: 'SidecarCrashLooping', action: 'Report', key: r.instance, note: `Cannot shut down container ${r.container}: it ${r.detail}` },
        () => this.opts.metrics.unsupportedSidecars.inc({ ...labels(r.container), reason: 'crash-looping' }));
    }
    for (const r of plan.noAction) {
      once({ pod: ref, ...about(r), type: 'Warning', reason: 'NoShutdownAction', action: 'Report', key: r.instance, note: `No way to shut down container ${r.container}: ${r.detail}` },
        () => this.opts.metrics.unsupportedSidecars.inc({ ...labels(r.container), reason: 'no-action' }));
    }
    for (const r of plan.nativeNotStarted) {
      once({ pod: ref, ...about(r), type: 'Warning', reason: 'NativeSidecarNotStarted', action: 'Report', key: r.instance, note: `Native sidecar ${r.container} has not started (${r.detail}), so the main containers cannot start` },
        () => this.opts.metrics.nativeNotStarted.inc(labels(r.container)));
    }
    for (const r of plan.nativeOverdue) {
      once({ pod: ref, ...about(r), type: 'Warning', reason: 'NativeSidecarNotStopped', action: 'Report', key: r.instance, note: `The kubelet has not stopped native sidecar ${r.container}: ${r.detail}; its shutdown action is the fallback` },
        () => this.opts.metrics.nativeNotStopped.inc(labels(r.container)));
    }
    for (const r of plan.exitedNonZero) {
      const consequence = pod.restartPolicy === 'Never' ? '; under restartPolicy Never the pod is marked Failed and its Job may retry' : '';
      once({ pod: ref, container: r.container, type: 'Warning', reason: 'SidecarExitedNonZero', action: 'Report', key: r.instance, note: `Container ${r.container} ${r.detail}${consequence}` });
    }
  }
}
