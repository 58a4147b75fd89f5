// The shutdown controller: a work queue of pod keys, and one reconcile per key. The pure `decide`
// says which sidecars must be shut down and what must be reported; the pure `reconcile` reads,
// for each sidecar, where its shutdown stands in the pod's own record (state.hahaha.nais.io/v1,
// src/core/state.ts) and says what comes next: claim and send a step, record that a step failed,
// back off, give up, or nothing. The record is written before what it records is done (a claim
// before its step, a report before its Event), one exclusive write per pod (podstate.ts), so a
// restarted or new leader reads the pod and goes on where the last one stopped, retry budget and
// backoff included, for as long as the pod lives. What this process keeps is only a hint (when it
// saw a step's answer, which shortens a wait), what it sent (for counting outcomes), and the record
// it last wrote until its cache has caught up.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { V1Pod } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { type Step, formatStep } from '../core/action.ts';
import type { Config } from '../core/analysis.ts';
import { STATE_KEY } from '../core/annotations.ts';
import { type NewReport, type Plan, type Target, decide, holdsUntilChanged } from '../core/plan.ts';
import { type PodView, podView } from '../core/pod.ts';
import { type GiveUp, type Live, type RetrySettings, type SentTo, claimed, failed, gaveUp, outcomeOf, reconcile } from '../core/reconcile.ts';
import { type Progress, formatState, reportKey, withProgress, withReports } from '../core/state.ts';
import { MetricLabels } from '../server/labels.ts';
import type { AwaitingPods, Metrics } from '../server/metrics.ts';
import { type Clock, systemClock } from './clock.ts';
import type { EventSink, EventSpec, PodRef } from './events.ts';
import type { LegacyReader } from './legacy.ts';
import { GONE, type RecordWriter } from './podstate.ts';
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
  /** Writes the pod's record (podstate.ts). */
  readonly records: RecordWriter;
  /** Reads hahaha 0.1's cursor from its Events, for pods in flight across an upgrade (legacy.ts). */
  readonly legacy?: LegacyReader;
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
/** Passes of write-then-send in one reconcile: each moves a failed step on, so a pod's steps bound it. */
const MAX_PASSES = 16;
/** How far a node's clock (a container's finishedAt) may be ahead of this process's. */
const CLOCK_SKEW_MS = 60_000;
/** After a write that lost its race: look again once the cache has had time to catch up. */
export const CONFLICT_RETRY_MS = 1_000;

/** A resourceVersion as the integer it is on every apiserver (client-go's mutation cache reads it so too). */
const rvOf = (rv: string | undefined): bigint | undefined => {
  if (!rv || !/^\d{1,30}$/.test(rv)) return undefined;
  return BigInt(rv);
};

/** In a dry run, what hahaha would shut down: reported once per pod and container. */
const wouldShutDown = (t: Target): NewReport => ({
  kind: 'wouldShutDown',
  reason: 'WouldShutDown',
  key: reportKey('WouldShutDown', t.container),
  report: { container: t.container, detail: `(${t.action.map(formatStep).join(' || ')})${t.note ? `; ${t.note}` : ''}`, ...(t.native ? { native: true } : {}) },
});

/** The Warning that says hahaha gave up on a sidecar, and why. */
function abandoned(pod: PodRef, t: Target, rounds: number, why: GiveUp): EventSpec {
  const actions = t.action.map(formatStep).join(' || ');
  const note =
    why === 'native-restarted'
      ? `Gave up on native sidecar ${t.container}: the kubelet started it again after hahaha stopped it (${actions}); hahaha does not fight the kubelet, which stops it itself when the pod ends`
      : why === 'restarts'
        ? `Gave up shutting down container ${t.container} after ${rounds} rounds of ${actions}: it exits non-zero when told to quit, and the kubelet restarts it (restartPolicy OnFailure); make it native, or make it exit 0`
        : `Gave up shutting down container ${t.container} after ${rounds} rounds of ${actions}; the pod keeps running until someone stops it`;
  return { pod, ...about(t), type: 'Warning', reason: 'ShutdownAbandoned', action: 'Shutdown', key: t.container, note };
}

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
  /** Pod key -> container instance -> what was sent there. */
  private readonly sent = new Map<string, Map<string, Sent>>();
  /** Pod UID and container -> the step whose answer this process saw last, and when (only the open step is ever asked about). */
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
  /** Pod key -> the record this process last wrote, until the cache has a version as new. */
  private readonly wrote = new Map<string, { uid: string; resourceVersion: bigint; text: string }>();
  /** When this leadership term began: only pods whose mains finished before it may have a 0.1 cursor. */
  private termStartedAt = 0;

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
    this.termStartedAt = this.opts.clock.now();
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
    this.wrote.clear();
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
      this.wrote.delete(key);
      this.settle(key, undefined);
      return {};
    }
    // A stale cache is never acted on: the next list re-enqueues everything.
    if (!this.opts.pods.synced) return {};
    const now = this.opts.clock.now();
    const pod = this.withOwnWrite(key, obj, podView(obj));
    const plan = decide(pod, this.opts.config, { now, nativeMarginMs: this.opts.nativeMarginMs });
    this.settle(key, pod);
    this.trackAwaiting(key, pod, plan);
    if (holdsUntilChanged(plan) && !this.sent.has(key)) this.settled.add(obj);
    // Native sidecars: look again when the kubelet's time to stop them is up (capped; the resync covers the rest).
    const recheck = plan.recheckAfterMs !== undefined ? Math.min(plan.recheckAfterMs + 100, 60_000) : undefined;
    const next = plan.reports.length || plan.targets.length ? await this.advance(key, pod, plan) : undefined;
    const after = [recheck, next].filter((x): x is number => x !== undefined);
    return after.length ? { requeueAfterMs: Math.min(...after) } : {};
  }

  /**
   * The pod as the cache has it, but with the record this process last wrote while the cache has
   * not caught up with that write (client-go's mutation cache does the same): a look soon after a
   * write then starts from it instead of losing a race against itself.
   */
  private withOwnWrite(key: string, obj: V1Pod, pod: PodView): PodView {
    const mine = this.wrote.get(key);
    if (!mine) return pod;
    const cached = rvOf(obj.metadata?.resourceVersion);
    if (mine.uid !== pod.uid || cached === undefined || cached >= mine.resourceVersion) {
      this.wrote.delete(key);
      return pod;
    }
    return { ...pod, annotations: { ...pod.annotations, [STATE_KEY]: mine.text }, hasAnnotations: true };
  }

  /**
   * Make the plan's new reports and take each target a step further, writing the pod's record
   * before anything it records is done: a claim is written before its step is sent, and a report
   * before its Event. One write covers every sidecar of the pod. A step that fails outright moves
   * on to the next in the same call. Returns when to look at the pod again.
   */
  private async advance(key: string, pod: PodView, plan: Plan): Promise<number | undefined> {
    const ref = podRef(pod);
    let text = pod.annotations[STATE_KEY];
    let hasAnnotations = pod.hasAnnotations;
    let state = plan.state;
    // What the record must say that it does not yet (legacy progress, a step that failed outright).
    let dirty = false;
    let reports: readonly NewReport[] = plan.reports;
    if (this.opts.dryRun) reports = [...reports, ...plan.targets.map(wouldShutDown).filter((r) => !state.reported.includes(r.key))];
    let targets = this.opts.dryRun ? [] : [...plan.targets];
    for (const t of targets) {
      const older = await this.legacy(ref, t, plan);
      if (older) {
        state = withProgress(state, t.container, older);
        dirty = true;
      }
    }
    // When to look again, for every target of the pod (a step answered in an earlier pass waits its grace period).
    const waits: number[] = [];
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      // No longer the leader (or shutting down): write and send nothing more.
      if (pass > 0 && (!this.leading || this.abort.signal.aborted)) return undefined;
      const now = this.opts.clock.now();
      // What to count and log once the record says so (a lost race or a failed write says nothing).
      const afterWrite: (() => void)[] = [];
      let next = withReports(state, reports.map((r) => r.key));
      const events: EventSpec[] = [];
      const sends: { target: Target; step: number; round: number }[] = [];
      for (const t of targets) {
        const live: Live = { restartCount: t.restartCount, ...(t.native ? { native: true } : {}) };
        let p = next.sidecars[t.container];
        let n = reconcile(t.action.length, p, now, this.opts.retry, live, (i, r) => this.answeredAt(pod, t, i, r));
        if (n.kind === 'fail' && p) {
          p = failed(p, now);
          const step = (t.action[n.step] as Step).kind;
          if (n.outcome === 'still-running') afterWrite.push(() => this.opts.metrics.sidecarShutdowns.inc({ ...this.labels.of(pod.namespace, t.container), step, result: 'still-running' }));
          events.push(this.failure(ref, t, n.step, n.round, `${formatStep(t.action[n.step] as Step)}: container ${t.container} ${n.detail}`));
          n = reconcile(t.action.length, p, now, this.opts.retry, live);
        }
        if (n.kind === 'send') {
          p = claimed(p, n.step, n.round, now, live);
          sends.push({ target: t, step: n.step, round: n.round });
          events.push(this.claim(ref, t, n.step, n.round));
        } else if (n.kind === 'abandon' && p) {
          p = gaveUp(p);
          const { rounds, why } = n;
          afterWrite.push(() => this.opts.log.error({ pod: key, container: t.container, rounds, why }, 'gave up shutting down the sidecar'));
          events.push(abandoned(ref, t, n.rounds, n.why));
        } else if (n.kind === 'wait') waits.push(n.afterMs);
        if (p && p !== next.sidecars[t.container]) next = withProgress(next, t.container, p);
      }
      if (next !== state || dirty) {
        const written = formatState(next);
        if (written !== text) {
          const w = await this.opts.records.write(ref, text, written, hasAnnotations);
          if (!w.written) {
            // Another replica wrote first, or this cache lags: look again once it has caught up (never at once).
            if (w.why !== GONE) this.opts.metrics.recordConflicts.inc();
            this.opts.log.debug({ pod: key, why: w.why }, 'the pod\'s record changed since it was read; looking again');
            return CONFLICT_RETRY_MS;
          }
          text = written;
          hasAnnotations = true;
          this.remember(key, pod.uid, w.resourceVersion, written);
        }
        state = next;
        dirty = false;
      }
      // Written: now the reports and their Events, each once per pod, and the claimed steps.
      for (const f of afterWrite) f();
      for (const r of reports) this.reported(pod, plan, r);
      reports = [];
      for (const e of events) this.opts.events.emit(e);
      if (sends.length === 0) return waits.length ? Math.min(...waits) : undefined;
      const results = await Promise.all(sends.map((s) => this.send(key, pod, s.target, s.step, s.round)));
      if (this.abort.signal.aborted) return undefined;
      const failedNow: Target[] = [];
      for (const [i, r] of results.entries()) {
        const { target, step, round } = sends[i] as (typeof sends)[number];
        if (r.ok || r.maybe) {
          waits.push(this.opts.retry.graceMs);
          continue;
        }
        // Failed outright: the record says so with the next claim (or the backoff), in the next pass.
        state = withProgress(state, target.container, failed(state.sidecars[target.container] as Progress, this.opts.clock.now()));
        dirty = true;
        this.opts.events.emit(this.failure(ref, target, step, round, `${formatStep(target.action[step] as Step)} failed: ${r.detail}`));
        failedNow.push(target);
      }
      if (failedNow.length === 0) return Math.min(...waits);
      targets = failedNow;
    }
    // MAX_PASSES steps failed outright in a row: record the last failure, and go on at the next look.
    const written = formatState(state);
    if (dirty && written !== text) {
      const w = await this.opts.records.write(ref, text, written, hasAnnotations);
      if (w.written) this.remember(key, pod.uid, w.resourceVersion, written);
    }
    return CONFLICT_RETRY_MS;
  }

  /** The 0.1 cursor of a sidecar whose mains finished before this term began (a 0.1 leader may have acted on it). */
  private async legacy(ref: PodRef, t: Target, plan: Plan): Promise<Progress | undefined> {
    const reader = this.opts.legacy;
    // Mains that finished after this term began were never 0.1's to act on (with a margin for the node's clock); unknown (no finishedAt) may have been.
    if (!reader || t.progress || Date.parse(plan.mainsFinishedAt ?? '') > this.termStartedAt + CLOCK_SKEW_MS) return undefined;
    return reader.progress(ref, { container: t.container, restartCount: t.restartCount, steps: t.action.length, ...(t.native ? { native: true } : {}) });
  }

  private answeredAt(pod: PodView, t: Target, step: number, round: number): number | undefined {
    const a = this.answered.get(`${pod.uid}/${t.container}`);
    return a && a.step === step && a.round === round ? a.at : undefined;
  }

  private claim(pod: PodRef, t: Target, step: number, round: number): EventSpec {
    const text = formatStep(t.action[step] as Step);
    return { pod, ...about(t), type: 'Normal', reason: 'Killing', action: 'Shutdown', key: `${t.container}/${round}/${step}`, note: `Shut down container ${t.container} (${text})${t.note ? `; ${t.note}` : ''}` };
  }

  private failure(pod: PodRef, t: Target, step: number, round: number, note: string): EventSpec {
    return { pod, ...about(t), type: 'Warning', reason: 'ShutdownFailed', action: 'Shutdown', key: `${t.container}/${round}/${step}`, note };
  }

  /** A new report, once the record has it: its Event and its count. */
  private reported(pod: PodView, plan: Plan, r: NewReport): void {
    const ref = podRef(pod);
    if (!r.report) {
      this.opts.events.emit({ pod: ref, type: 'Warning', reason: r.reason, action: 'Validate', key: r.key, note: plan.problems.join('; ') });
      return;
    }
    const x = r.report;
    const labels = this.labels.of(pod.namespace, x.container);
    const spec = (type: 'Normal' | 'Warning', note: string, action = 'Report'): EventSpec => ({ pod: ref, ...about(x), type, reason: r.reason, action, key: r.key, note });
    switch (r.kind) {
      case 'unreachable':
        this.opts.metrics.unsupportedSidecars.inc({ ...labels, reason: 'not-started' });
        return this.opts.events.emit(spec('Warning', `Cannot shut down container ${x.container}: it ${x.detail}`));
      case 'crashLooping':
        this.opts.metrics.unsupportedSidecars.inc({ ...labels, reason: 'crash-looping' });
        return this.opts.events.emit(spec('Warning', `Cannot shut down container ${x.container}: it ${x.detail}`));
      case 'noAction':
        this.opts.metrics.unsupportedSidecars.inc({ ...labels, reason: 'no-action' });
        return this.opts.events.emit(spec('Warning', `No way to shut down container ${x.container}: ${x.detail}`));
      case 'nativeNotStarted':
        this.opts.metrics.nativeNotStarted.inc(labels);
        return this.opts.events.emit(spec('Warning', `Native sidecar ${x.container} has not started (${x.detail}), so the main containers cannot start`));
      case 'nativeOverdue':
        this.opts.metrics.nativeNotStopped.inc(labels);
        return this.opts.events.emit(spec('Warning', `The kubelet has not stopped native sidecar ${x.container}: ${x.detail}; its shutdown action is the fallback`));
      case 'exitedNonZero': {
        const consequence = pod.restartPolicy === 'Never' ? '; under restartPolicy Never the pod is marked Failed and its Job may retry' : '';
        return this.opts.events.emit(spec('Warning', `Container ${x.container} ${x.detail}${consequence}`));
      }
      case 'problems':
        return;
      case 'wouldShutDown':
        return this.opts.events.emit(spec('Normal', `Dry run: would shut down container ${x.container} ${x.detail}`, 'Shutdown'));
    }
  }

  /** Send step i of a round (its claim is written): the result, with what this process keeps of it. */
  private async send(key: string, pod: PodView, target: Target, i: number, round: number): Promise<StepResult> {
    const step = target.action[i] as Step;
    const text = formatStep(step);
    const signal = this.abort.signal;
    // Leadership was lost while the claim was written: the claim is waited out by whoever leads next, never sent from here.
    if (signal.aborted) return { ok: false, maybe: true, detail: 'no longer the leader' };
    this.sentTo(key, pod, target, step.kind);
    const seen = this.doneSeenAt.get(key);
    if (seen !== undefined) {
      this.opts.metrics.reaction.observe(Math.max(0, this.opts.clock.now() - seen) / 1000);
      this.doneSeenAt.delete(key);
    }
    const where: StepTarget = { namespace: pod.namespace, pod: pod.name, container: target.container };
    const result: StepResult =
      step.kind === 'http' ? await this.opts.steps.http(where, step, signal) : step.kind === 'exec' ? await this.opts.steps.exec(where, step, signal) : { ok: true, detail: 'none' };
    if (signal.aborted) return result;
    const log = { pod: key, container: target.container, step: text, detail: result.detail };
    if (result.ok || result.maybe) {
      // Answered, or may have worked (the sidecar died mid-answer): the container's state decides within the grace period.
      if (this.answered.size >= MAX_SENT) this.answered.delete(this.answered.keys().next().value as string);
      this.answered.set(`${pod.uid}/${target.container}`, { step: i, round, at: this.opts.clock.now() });
      this.opts.log.info(log, result.ok ? 'shutdown step answered; waiting for the container to terminate' : 'shutdown step got no answer; waiting for the container to terminate');
    } else {
      this.opts.metrics.sidecarShutdowns.inc({ ...this.labels.of(pod.namespace, target.container), step: step.kind, result: 'failed' });
      this.opts.log.warn(log, 'shutdown step failed');
    }
    return result;
  }

  /** What this process wrote into a pod's record, until its cache has caught up. */
  private remember(key: string, uid: string, resourceVersion: string, text: string): void {
    const rv = rvOf(resourceVersion);
    if (rv === undefined) return;
    if (this.wrote.size >= MAX_SENT && !this.wrote.has(key)) this.wrote.delete(this.wrote.keys().next().value as string);
    this.wrote.set(key, { uid, resourceVersion: rv, text });
  }

  private sentTo(key: string, pod: PodView, target: Target, step: string): void {
    let forPod = this.sent.get(key);
    if (!forPod) {
      if (this.sent.size >= MAX_SENT) this.sent.delete(this.sent.keys().next().value as string);
      forPod = new Map();
      this.sent.set(key, forPod);
    }
    forPod.set(`${target.container}/${target.restartCount}`, { uid: pod.uid, container: target.container, restartCount: target.restartCount, step, namespace: pod.namespace, ...(target.native ? { native: true } : {}) });
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
      this.answered.delete(`${s.uid}/${s.container}`);
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
      // Only pods hahaha shut a sidecar down in: their record has a claim.
      if (Object.keys(plan.state.sidecars).length === 0) return;
      const last = Math.max(...pod.containerStatuses.map((s) => Date.parse(s.finishedAt ?? '') || 0));
      const seconds = (last - Date.parse(plan.mainsFinishedAt)) / 1000;
      if (seconds >= 0) this.opts.metrics.shutdownDuration.observe(seconds);
      this.observedDone.add(pod.uid);
      if (this.observedDone.size > 10_000) this.observedDone.delete(this.observedDone.values().next().value as string);
    }
  }
}
