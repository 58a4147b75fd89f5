// The shutdown controller: reconciles managed pods from the watch cache with the pure `decide`,
// and, while this replica leads, carries out each sidecar's action step by step: a step has worked
// when the container is seen terminated within the grace period; when every step failed it is
// retried with exponential backoff, up to a limit, then abandoned and reported. Nothing is done
// twice for one container instance (pod UID, container, restart count) while an attempt is in
// flight, and the Killing event doubles as a claim that survives restarts of hahaha.

import { setTimeout as delay } from 'node:timers/promises';
import type { V1Pod } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { type Step, formatStep } from '../core/action.ts';
import type { Config } from '../core/analysis.ts';
import { type Plan, type Target, decide } from '../core/plan.ts';
import { type PodView, podView } from '../core/pod.ts';
import type { AwaitingPods, Metrics } from '../server/metrics.ts';
import type { EventSink, EventSpec, PodRef } from './events.ts';
import type { StepResult, StepTarget } from './steps.ts';

export interface StepExecutor {
  http(t: StepTarget, step: Extract<Step, { kind: 'http' }>, abort: AbortSignal): Promise<StepResult>;
  exec(t: StepTarget, step: Extract<Step, { kind: 'exec' }>, abort: AbortSignal): Promise<StepResult>;
}

export interface PodSource {
  get(key: string): V1Pod | undefined;
  list(): V1Pod[];
}

export interface ControllerOptions {
  readonly config: Config;
  readonly pods: PodSource;
  readonly steps: StepExecutor;
  readonly events: EventSink;
  readonly metrics: Metrics;
  readonly awaiting: AwaitingPods;
  readonly log: FastifyBaseLogger;
  /** How long a container may take to terminate after a step worked (default 30 s). */
  readonly graceMs?: number;
  /** Backoff after every step failed: base, doubling up to max (default 5 s to 5 min). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Rounds of all steps before giving up (default 6). */
  readonly maxAttempts?: number;
  /** Shutdown attempts in flight at once across all pods (default 20). */
  readonly concurrency?: number;
  /** Decide and report "would shut down", act on nothing. */
  readonly dryRun?: boolean;
  /** Added to a pod's terminationGracePeriodSeconds before a native sidecar counts as not stopped by the kubelet (default 30 s). */
  readonly nativeMarginMs?: number;
}

interface InstanceState {
  attempt: number;
  nextAt: number;
  inFlight: boolean;
  done: boolean;
  abandoned: boolean;
}

const podRef = (p: PodView): PodRef => ({ name: p.name, namespace: p.namespace, uid: p.uid });
/** The container an event is about, native sidecars (init containers) included. */
const about = (x: { container: string; native?: boolean }): Pick<EventSpec, 'container' | 'initContainer'> => ({ container: x.container, ...(x.native ? { initContainer: true } : {}) });
/** Resolves after ms, or at once when the signal aborts (no listener is left behind). */
const sleep = (ms: number, signal: AbortSignal): Promise<void> => delay(ms, undefined, { signal }).catch(() => undefined);

export class Controller {
  private readonly o: Required<Omit<ControllerOptions, 'dryRun'>> & { dryRun: boolean };
  private readonly states = new Map<string, InstanceState>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly observedDone = new Set<string>();
  /** Pods this replica has acted on: key -> pod UID. */
  private readonly acted = new Map<string, string>();
  private flushing = false;
  private leading = false;
  /** Shutting down: never lead again. */
  private draining = false;
  private abort = new AbortController();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private resync?: NodeJS.Timeout;

  constructor(o: ControllerOptions) {
    this.o = { graceMs: 30_000, backoffMs: 5_000, maxBackoffMs: 300_000, maxAttempts: 6, concurrency: 20, nativeMarginMs: 30_000, ...o, dryRun: o.dryRun ?? false };
  }

  /** The informer saw a change: look at the pod again (only the leader does anything). */
  enqueue(key: string): void {
    this.dirty.add(key);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.flush());
  }

  startLeading(): void {
    if (this.draining) return;
    this.leading = true;
    this.abort = new AbortController();
    this.o.metrics.leader.set(1);
    this.o.log.info('became the leader: acting on managed pods');
    this.resync = setInterval(() => this.enqueueAll(), 30_000);
    this.resync.unref();
    this.enqueueAll();
  }

  /** Stop acting at once: abort every attempt in flight (another replica now leads). */
  stopLeading(why: string): void {
    // Always abort: attempts may still run after drain() stopped taking work.
    this.abort.abort(new Error(`no longer the leader: ${why}`));
    if (!this.leading) return;
    this.leading = false;
    this.o.metrics.leader.set(0);
    clearInterval(this.resync);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.states.clear();
    this.o.awaiting.clear();
    this.o.log.warn({ why }, 'stopped leading: acting on nothing');
  }

  /** Graceful stop: take no new work, let attempts in flight finish within drainMs, then abort them. */
  async drain(drainMs: number): Promise<void> {
    const wasLeading = this.leading;
    this.leading = false;
    this.draining = true;
    clearInterval(this.resync);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const all = Promise.all([...this.inflight]);
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), drainMs).unref())]);
    if (timedOut) this.abort.abort(new Error('shutting down'));
    await all;
    if (wasLeading) this.o.metrics.leader.set(0);
  }

  private enqueueAll(): void {
    for (const pod of this.o.pods.list()) this.enqueue(`${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`);
  }

  private flush(): void {
    this.flushing = false;
    const keys = [...this.dirty];
    this.dirty.clear();
    for (const key of keys) {
      try {
        this.reconcile(key);
      } catch (err) {
        this.o.log.error({ err, pod: key }, 'reconcile failed');
      }
    }
  }

  private requeue(key: string, ms: number): void {
    if (this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.enqueue(key);
    }, ms);
    t.unref();
    this.timers.set(key, t);
  }

  private reconcile(key: string): void {
    const obj = this.o.pods.get(key);
    if (!obj) {
      this.o.awaiting.delete(key);
      this.forget(key);
      return;
    }
    if (!this.leading) return;
    const pod = podView(obj);
    const plan = decide(pod, this.o.config, { now: Date.now(), nativeMarginMs: this.o.nativeMarginMs });
    this.trackAwaiting(key, pod, plan);
    this.report(pod, plan);
    // Native sidecars: look again when the kubelet's time to stop them is up.
    // Capped: a huge terminationGracePeriodSeconds must not overflow the timer (the resync covers the rest).
    if (plan.recheckAfterMs !== undefined) this.requeue(key, Math.min(plan.recheckAfterMs + 100, 60_000));
    if (plan.kind !== 'act') return;
    for (const target of plan.targets) this.start(key, pod, target);
  }

  /** The pod is gone: drop what was kept about its container instances. */
  private forget(key: string): void {
    const uid = this.acted.get(key);
    if (uid === undefined) return;
    for (const [instance, s] of this.states) if (instance.startsWith(`${uid}/`) && !s.inFlight) this.states.delete(instance);
    this.acted.delete(key);
  }

  private trackAwaiting(key: string, pod: PodView, plan: Plan): void {
    if (plan.awaiting) {
      const since = Date.parse(plan.mainsFinishedAt ?? '') || Date.now();
      this.o.awaiting.set(key, since);
    } else {
      this.o.awaiting.delete(key);
    }
    if (plan.kind === 'done' && this.acted.get(key) === pod.uid && !this.observedDone.has(pod.uid) && plan.mainsFinishedAt) {
      const last = Math.max(...pod.containerStatuses.map((s) => Date.parse(s.finishedAt ?? '') || 0));
      const seconds = (last - Date.parse(plan.mainsFinishedAt)) / 1000;
      if (seconds >= 0) this.o.metrics.shutdownDuration.observe(seconds);
      this.observedDone.add(pod.uid);
      if (this.observedDone.size > 10_000) this.observedDone.delete(this.observedDone.values().next().value as string);
    }
  }

  private event(spec: EventSpec): void {
    void this.o.events.record(spec);
  }

  /** Report what cannot be acted on, once per container instance (the event names dedupe). */
  private report(pod: PodView, plan: Plan): void {
    const ref = podRef(pod);
    if (plan.problems.length) {
      this.event({ pod: ref, type: 'Warning', reason: 'InvalidShutdownAnnotation', action: 'Validate', key: plan.problems.join('\n'), note: plan.problems.join('; ') });
    }
    for (const r of plan.unreachable) {
      void this.o.events
        .record({ pod: ref, ...about(r), type: 'Warning', reason: 'SidecarNotStarted', action: 'Report', key: r.instance, note: `Cannot shut down container ${r.container}: it ${r.detail}` })
        .then((x) => x === 'created' && this.o.metrics.unsupportedSidecars.inc({ namespace: pod.namespace, container: r.container, reason: 'not-started' }));
    }
    for (const r of plan.noAction) {
      void this.o.events
        .record({ pod: ref, ...about(r), type: 'Warning', reason: 'NoShutdownAction', action: 'Report', key: r.instance, note: `No way to shut down container ${r.container}: ${r.detail}` })
        .then((x) => x === 'created' && this.o.metrics.unsupportedSidecars.inc({ namespace: pod.namespace, container: r.container, reason: 'no-action' }));
    }
    for (const r of plan.nativeNotStarted) {
      void this.o.events
        .record({ pod: ref, ...about(r), type: 'Warning', reason: 'NativeSidecarNotStarted', action: 'Report', key: r.instance, note: `Native sidecar ${r.container} has not started (${r.detail}), so the main containers cannot start` })
        .then((x) => x === 'created' && this.o.metrics.nativeNotStarted.inc({ namespace: pod.namespace, container: r.container }));
    }
    for (const r of plan.nativeOverdue) {
      void this.o.events
        .record({ pod: ref, ...about(r), type: 'Warning', reason: 'NativeSidecarNotStopped', action: 'Report', key: r.instance, note: `The kubelet has not stopped native sidecar ${r.container}: ${r.detail}; its shutdown action is the fallback` })
        .then((x) => x === 'created' && this.o.metrics.nativeNotStopped.inc({ namespace: pod.namespace, container: r.container }));
    }
    for (const r of plan.exitedNonZero) {
      const consequence = pod.restartPolicy === 'Never' ? '; under restartPolicy Never the pod is marked Failed and its Job may retry' : '';
      this.event({ pod: ref, container: r.container, type: 'Warning', reason: 'SidecarExitedNonZero', action: 'Report', key: r.instance, note: `Container ${r.container} ${r.detail}${consequence}` });
    }
  }

  private state(instance: string): InstanceState {
    let s = this.states.get(instance);
    if (!s) {
      s = { attempt: 0, nextAt: 0, inFlight: false, done: false, abandoned: false };
      this.states.set(instance, s);
    }
    return s;
  }

  private start(key: string, pod: PodView, target: Target): void {
    const s = this.state(target.instance);
    if (s.inFlight || s.done || s.abandoned) return;
    const now = Date.now();
    if (now < s.nextAt) {
      this.requeue(key, s.nextAt - now);
      return;
    }
    if (this.o.dryRun) {
      s.done = true;
      this.acted.set(key, pod.uid);
      this.event({
        pod: podRef(pod), ...about(target), type: 'Normal', reason: 'WouldShutDown', action: 'Shutdown', key: target.instance,
        note: `Dry run: would shut down container ${target.container} (${target.action.map(formatStep).join(' || ')})${target.note ? `; ${target.note}` : ''}`,
      });
      return;
    }
    s.inFlight = true;
    this.acted.set(key, pod.uid);
    const signal = this.abort.signal;
    const p = this.withSlot(() => this.attempt(key, pod, target, s, signal))
      .catch((err: unknown) => this.o.log.error({ err, pod: key, container: target.container }, 'shutdown attempt failed'))
      .finally(() => {
        s.inFlight = false;
        this.inflight.delete(p);
        if (!signal.aborted) this.enqueue(key);
      });
    this.inflight.add(p);
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    while (this.running >= this.o.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private async attempt(key: string, pod: PodView, target: Target, s: InstanceState, signal: AbortSignal): Promise<void> {
    const ref = podRef(pod);
    const where: StepTarget = { namespace: pod.namespace, pod: pod.name, container: target.container };
    const labels = { namespace: pod.namespace, container: target.container };
    for (const [i, step] of target.action.entries()) {
      if (signal.aborted) return;
      if (this.terminated(key, pod.uid, target)) {
        s.done = true;
        return;
      }
      const text = formatStep(step);
      const claim = await this.o.events.record({
        pod: ref, ...about(target), type: 'Normal', reason: 'Killing', action: 'Shutdown', key: `${target.instance}/${i}`,
        note: `Shut down container ${target.container} (${text})${target.note ? `; ${target.note}` : ''}`,
        recurring: s.attempt > 0,
      });
      if (signal.aborted) return;
      if (claim === 'exists' && s.attempt === 0) {
        // A previous leader (or this process before a restart) announced this step, and may have
        // sent it: give it its grace period; if the container is still there, send the step now,
        // under the event that already announces it.
        this.o.log.info({ pod: key, container: target.container, step: text }, 'step announced by a previous leader; waiting for it to work');
        if (await this.waitTerminated(key, pod.uid, target, signal)) {
          this.o.metrics.sidecarShutdowns.inc({ ...labels, step: step.kind, result: 'success' });
          s.done = true;
          return;
        }
        if (signal.aborted) return;
      }
      const result: StepResult =
        step.kind === 'http' ? await this.o.steps.http(where, step, signal) : step.kind === 'exec' ? await this.o.steps.exec(where, step, signal) : { ok: true, detail: 'none' };
      if (signal.aborted) return;
      // A step can fail because it worked: a sidecar that dies before the exit status or the answer is sent.
      if (!result.ok && (await this.waitTerminated(key, pod.uid, target, signal, Math.min(this.o.graceMs, 3000)))) {
        this.o.metrics.sidecarShutdowns.inc({ ...labels, step: step.kind, result: 'success' });
        this.o.log.info({ pod: key, container: target.container, step: text, detail: result.detail }, 'sidecar shut down (the step reported an error, but the container terminated)');
        s.done = true;
        return;
      }
      if (signal.aborted) return;
      if (!result.ok) {
        this.o.metrics.sidecarShutdowns.inc({ ...labels, step: step.kind, result: 'failed' });
        this.o.log.warn({ pod: key, container: target.container, step: text, detail: result.detail }, 'shutdown step failed');
        this.event({ pod: ref, ...about(target), type: 'Warning', reason: 'ShutdownFailed', action: 'Shutdown', key: `${target.instance}/${i}`, recurring: true, note: `${text} failed: ${result.detail}` });
        continue;
      }
      if (await this.waitTerminated(key, pod.uid, target, signal)) {
        this.o.metrics.sidecarShutdowns.inc({ ...labels, step: step.kind, result: 'success' });
        this.o.log.info({ pod: key, container: target.container, step: text, detail: result.detail }, 'sidecar shut down');
        s.done = true;
        return;
      }
      if (signal.aborted) return;
      this.o.metrics.sidecarShutdowns.inc({ ...labels, step: step.kind, result: 'still-running' });
      this.event({
        pod: ref, ...about(target), type: 'Warning', reason: 'ShutdownFailed', action: 'Shutdown', key: `${target.instance}/${i}`, recurring: true,
        note: `${text} answered (${result.detail}) but container ${target.container} was still running ${this.o.graceMs / 1000}s later`,
      });
    }
    if (signal.aborted) return;
    s.attempt++;
    if (s.attempt >= this.o.maxAttempts) {
      s.abandoned = true;
      this.o.log.error({ pod: key, container: target.container, attempts: s.attempt }, 'gave up shutting down the sidecar');
      this.event({
        pod: ref, ...about(target), type: 'Warning', reason: 'ShutdownAbandoned', action: 'Shutdown', key: target.instance,
        note: `Gave up shutting down container ${target.container} after ${s.attempt} rounds of ${target.action.map(formatStep).join(' || ')}; the pod keeps running until someone stops it`,
      });
      return;
    }
    const backoff = Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** (s.attempt - 1));
    s.nextAt = Date.now() + backoff;
    this.requeue(key, backoff);
  }

  /** Is this instance of the container gone: terminated, restarted, or its pod deleted or replaced? */
  private terminated(key: string, uid: string, target: Target): boolean {
    const obj = this.o.pods.get(key);
    if (!obj || obj.metadata?.uid !== uid) return true;
    const view = podView(obj);
    const st = (target.native ? view.initContainerStatuses : view.containerStatuses).find((c) => c.name === target.container);
    return !st || st.state === 'terminated' || st.restartCount !== target.restartCount;
  }

  private async waitTerminated(key: string, uid: string, target: Target, signal: AbortSignal, withinMs = this.o.graceMs): Promise<boolean> {
    const deadline = Date.now() + withinMs;
    while (!signal.aborted) {
      if (this.terminated(key, uid, target)) return true;
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(200, deadline - Date.now()), signal);
    }
    return false;
  }
}
