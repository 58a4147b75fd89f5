// The controller's decision, from the pod as it is now (level-triggered: nothing remembered in
// hahaha; what it decided before is part of the pod, in its state.hahaha.nais.io/v1 record):
// ignore it, wait for its main containers, shut these sidecars down with these actions, or
// nothing left to do. Also what must be reported, once per pod and container: sidecars that never
// started, running sidecars with no usable action, sidecars that exited non-zero. Pure, so a
// restart of hahaha or a missed watch event changes nothing: the next look at the pod decides the same.
//
// Native sidecars are the kubelet's job: hahaha leaves them be until the kubelet has had the pod's
// terminationGracePeriodSeconds plus a margin after the last regular container finished; one still
// running then is reported and shut down with its fallback action, once per pod and container
// (the kubelet bugs of the README's "Native sidecars").
// A native sidecar that never starts keeps the main containers from starting: reported once.

import type { Action, Step } from './action.ts';
import { type Config, type SidecarPlan, analyze, problemMessage } from './analysis.ts';
import { STATE_KEY, shutdownKey } from './annotations.ts';
import { catalogAction, matchCatalog } from './catalog.ts';
import type { ContainerStateView, PodView } from './pod.ts';
import { allowsExec } from './policy.ts';
import { type PodState, type Progress, parseState, reportKey } from './state.ts';

export interface Target {
  readonly container: string;
  readonly action: Action;
  /** Why the action is not simply the pod's annotation, for the event. */
  readonly note?: string;
  readonly restartCount: number;
  /** Where its shutdown stands, from the pod's record (absent: nothing claimed yet). */
  readonly progress?: Progress;
  /** A native sidecar (an init container), shut down because the kubelet did not. */
  readonly native?: boolean;
}

export interface Report {
  readonly container: string;
  readonly detail: string;
  /** About a native sidecar (an init container). */
  readonly native?: boolean;
}

export type PlanKind = 'ignore' | 'wait' | 'act' | 'done';

export interface Plan {
  readonly kind: PlanKind;
  readonly reason: string;
  /** Running sidecars to shut down (kind act). */
  readonly targets: readonly Target[];
  /** Sidecars that never started: they cannot be reached. */
  readonly unreachable: readonly Report[];
  /** Sidecars that ran, and are now waiting to be restarted (CrashLoopBackOff): reported once per pod and container. */
  readonly crashLooping: readonly Report[];
  /** Running sidecars with no action hahaha may carry out. */
  readonly noAction: readonly Report[];
  /** Sidecars that exited non-zero after the main containers finished. */
  readonly exitedNonZero: readonly Report[];
  /** Main containers done and a sidecar still running or waiting: the pod is stuck without us. */
  readonly awaiting: boolean;
  /** When the last main container finished (RFC 3339), once all have. */
  readonly mainsFinishedAt?: string;
  /** Problems with the pod's hahaha annotations (the validating webhook would have denied them). */
  readonly problems: readonly string[];
  /** Native sidecars that never started, so the main containers cannot start (key: once per pod). */
  readonly nativeNotStarted: readonly Report[];
  /** Native sidecars still running past the kubelet's deadline: the kubelet failed to stop them. */
  readonly nativeOverdue: readonly Report[];
  /** Look at the pod again after this long (the kubelet's deadline for native sidecars). */
  readonly recheckAfterMs?: number;
  /** The pod's record (src/core/state.ts): what hahaha claimed, gave up and reported before. */
  readonly state: PodState;
  /** Sidecars hahaha gave up on: left alone for as long as the pod lives. */
  readonly givenUp: readonly string[];
  /** The reports above that the pod's record does not have yet: to make now, once. */
  readonly reports: readonly NewReport[];
}

export interface NewReport {
  /** Which list of the plan it is from (a dry run's would-shut-down reports are the controller's). */
  readonly kind: keyof typeof REPORT_REASONS | 'wouldShutDown';
  readonly reason: string;
  /** Its key in the record (src/core/state.ts reportKey). */
  readonly key: string;
  /** The container it is about (none: about the pod). */
  readonly report?: Report;
}

/** The Event reason of each kind of report; with the container, the key that makes it once per pod in the record. */
export const REPORT_REASONS = {
  problems: 'InvalidShutdownAnnotation',
  unreachable: 'SidecarNotStarted',
  crashLooping: 'SidecarCrashLooping',
  noAction: 'NoShutdownAction',
  nativeNotStarted: 'NativeSidecarNotStarted',
  nativeOverdue: 'NativeSidecarNotStopped',
  exitedNonZero: 'SidecarExitedNonZero',
} as const;

/** The reasons of the Events of the shutdown itself (the controller's), and of a dry run's report. */
export const SHUTDOWN_REASONS = ['Killing', 'ShutdownFailed', 'ShutdownAbandoned', 'WouldShutDown'] as const;

/** The reports of a plan that are about containers, by kind. */
export type ReportKind = Exclude<keyof typeof REPORT_REASONS, 'problems'>;
export const REPORT_KINDS: readonly ReportKind[] = ['unreachable', 'crashLooping', 'noAction', 'nativeNotStarted', 'nativeOverdue', 'exitedNonZero'];

export interface DecideOptions {
  /** The time to decide at (ms since the epoch). */
  readonly now?: number;
  /** Added to terminationGracePeriodSeconds before a native sidecar counts as not stopped (default 30 s). */
  readonly nativeMarginMs?: number;
}

const plan = (kind: PlanKind, reason: string, more: Partial<Plan> = {}): Plan => ({
  kind,
  reason,
  targets: [],
  unreachable: [],
  crashLooping: [],
  noAction: [],
  exitedNonZero: [],
  awaiting: false,
  problems: [],
  nativeNotStarted: [],
  nativeOverdue: [],
  state: { sidecars: {}, reported: [] },
  givenUp: [],
  reports: [],
  ...more,
});

/** The plan's parts with the reports among them that the pod's record has not made yet. */
function withReports<P extends Partial<Plan>>(p: P): P & { reports: NewReport[] } {
  const reports: NewReport[] = [];
  // Most plans report nothing: no set to build for them.
  if (!p.problems?.length && REPORT_KINDS.every((kind) => !p[kind]?.length)) return { ...p, reports };
  const done = new Set(p.state?.reported ?? []);
  if (p.problems?.length && !done.has(REPORT_REASONS.problems)) reports.push({ kind: 'problems', reason: REPORT_REASONS.problems, key: REPORT_REASONS.problems });
  for (const kind of REPORT_KINDS) {
    const reason = REPORT_REASONS[kind];
    for (const report of p[kind] ?? []) {
      const key = reportKey(reason, report.container);
      if (!done.has(key)) reports.push({ kind, reason, key, report });
    }
  }
  return { ...p, reports };
}

/** Is this main container finished for good, or will the kubelet start it again? */
function mainState(pod: PodView, name: string, s: ContainerStateView | undefined): string | undefined {
  if (!s || s.state !== 'terminated') return `main container ${name} is ${s ? s.state : 'not started yet'}`;
  if (pod.restartPolicy === 'Always') return `main container ${name} exited ${s.exitCode} and restartPolicy Always restarts it`;
  if (pod.restartPolicy === 'OnFailure' && s.exitCode !== 0) {
    return `main container ${name} exited ${s.exitCode} and will be restarted (restartPolicy OnFailure)`;
  }
  return undefined;
}

/** The steps of an action that the exec policy allows, and the refused ones. */
function allowedSteps(config: Config, action: Action): { steps: Step[]; refused: Step[] } {
  const steps: Step[] = [];
  const refused: Step[] = [];
  for (const s of action) (s.kind === 'exec' && !allowsExec(config.policy, s.argv) ? refused : steps).push(s);
  return { steps, refused };
}

/** Waiting reasons of a container that is simply on its way. */
const STARTING = new Set(['', 'PodInitializing', 'ContainerCreating']);

/** Why a native sidecar has not started (and keeps the main containers from starting), if it has not. */
function notStarted(status: ContainerStateView | undefined): string | undefined {
  if (!status) return undefined;
  if (status.state === 'waiting' && !STARTING.has(status.reason ?? '')) return `${status.reason}${status.restartCount ? ` after ${status.restartCount} restart(s)` : ''}`;
  if (status.state === 'terminated' && status.exitCode !== 0) return `it exited ${status.exitCode}${status.reason ? ` (${status.reason})` : ''} and is restarted`;
  if (status.state === 'running' && status.started === false && status.restartCount > 0) return `its startupProbe has not passed after ${status.restartCount} restart(s)`;
  return undefined;
}

export function decide(pod: PodView, config: Config, opts: DecideOptions = {}): Plan {
  const now = opts.now ?? Date.now();
  const a = analyze(pod, config);
  const problems = a.problems.map(problemMessage);
  if (!a.managed) return plan('ignore', a.reason);
  if (pod.deleting) return plan('ignore', 'the pod is being deleted');
  const record = parseState(pod.annotations[STATE_KEY]);
  // Not hahaha's record (the admission policy keeps anyone else from writing it): leave the pod alone rather than guess.
  if ('error' in record) return plan('ignore', `its ${STATE_KEY} annotation is not a record hahaha wrote: ${record.error}`);
  const state = record.state;
  if (a.mains.length === 0) return plan('ignore', `cannot tell the main containers: ${problems.join('; ') || 'the pod has no containers'}`, withReports({ problems, state }));

  const status = new Map(pod.containerStatuses.map((s) => [s.name, s]));
  const initStatus = new Map(pod.initContainerStatuses.map((s) => [s.name, s]));
  const mainsStarted = a.mains.every((m) => {
    const st = status.get(m)?.state;
    return st === 'running' || st === 'terminated';
  });
  const nativeNotStarted: Report[] = [];
  if (!mainsStarted) {
    for (const n of a.natives) {
      const why = notStarted(initStatus.get(n.name));
      if (why) nativeNotStarted.push({ container: n.name, native: true, detail: why });
    }
  }
  for (const m of a.mains) {
    const waitingFor = mainState(pod, m, status.get(m));
    if (waitingFor) return plan('wait', waitingFor, withReports({ problems, nativeNotStarted, state }));
  }
  const mainsFinishedAt = a.mains
    .map((m) => status.get(m)?.finishedAt ?? '')
    .sort()
    .at(-1);

  const targets: Target[] = [];
  const unreachable: Report[] = [];
  const crashLooping: Report[] = [];
  const noAction: Report[] = [];
  const exitedNonZero: Report[] = [];
  const givenUp: string[] = [];
  const act = (sidecar: SidecarPlan, s: ContainerStateView, native: boolean): void => {
    const report = { container: sidecar.name, ...(native ? { native: true } : {}) };
    const t = target(pod, config, sidecar, problems, native);
    const progress = state.sidecars[sidecar.name];
    if ('detail' in t) noAction.push({ ...report, detail: t.detail });
    else if (progress?.gaveUp) givenUp.push(sidecar.name);
    else if (t.target) targets.push({ ...t.target, ...report, restartCount: s.restartCount, ...(progress ? { progress } : {}) });
  };
  let stillUp = 0;
  for (const sidecar of a.sidecars) {
    const s = status.get(sidecar.name);
    if (s?.state === 'terminated') {
      if (s.exitCode !== 0) exitedNonZero.push({ container: sidecar.name, detail: `exited ${s.exitCode}${s.reason ? ` (${s.reason})` : ''}` });
      continue;
    }
    stillUp++;
    if (s?.state === 'waiting' && s.restartCount > 0) {
      // It ran and keeps failing: one report for the pod and container, not one per restart.
      crashLooping.push({ container: sidecar.name, detail: `is ${s.reason ?? 'waiting'} after ${s.restartCount} restart(s)` });
      continue;
    }
    if (s?.state !== 'running') {
      unreachable.push({ container: sidecar.name, detail: `never started: ${s?.reason ?? s?.state ?? 'no status yet'}` });
      continue;
    }
    act(sidecar, s, false);
  }

  // Native sidecars: the kubelet stops them once every regular container has finished. Their exit
  // codes at that point (137, 143) are normal, never reported.
  const nativeOverdue: Report[] = [];
  const kubeletStopping: string[] = [];
  let recheckAfterMs: number | undefined;
  const regularDone = pod.containers.every((c) => status.get(c.name)?.state === 'terminated');
  // Without every regular container's finishedAt (ContainerStatusUnknown) there is no deadline to hold the kubelet to.
  const finished = pod.containers.map((c) => Date.parse(status.get(c.name)?.finishedAt ?? ''));
  if (regularDone && finished.every((f) => !Number.isNaN(f))) {
    const lastRegular = finished.reduce((a, b) => Math.max(a, b), 0);
    const deadline = lastRegular + pod.terminationGracePeriodSeconds * 1000 + (opts.nativeMarginMs ?? 30_000);
    for (const n of a.natives) {
      const s = initStatus.get(n.name);
      if (!s || s.state === 'terminated') continue;
      if (now < deadline) {
        kubeletStopping.push(n.name);
        recheckAfterMs = Math.max(1, deadline - now);
        continue;
      }
      // One fallback per pod and container (the record's budget): a kubelet that restarts it after hahaha stopped it is not fought.
      const late = Math.round((now - lastRegular) / 1000);
      nativeOverdue.push({ container: n.name, native: true, detail: `still ${s.state} ${late}s after the last regular container finished (terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds})` });
      if (s.state === 'running') act(n, s, true);
      else unreachable.push({ container: n.name, native: true, detail: `never started: ${s.reason ?? s.state}` });
    }
  }
  const more = withReports({
    unreachable, crashLooping, noAction, exitedNonZero, awaiting: stillUp > 0 || nativeOverdue.length > 0, problems, nativeNotStarted, nativeOverdue, state, givenUp,
    ...(mainsFinishedAt ? { mainsFinishedAt } : {}),
    ...(recheckAfterMs !== undefined ? { recheckAfterMs } : {}),
  });
  if (targets.length) return plan('act', `main containers finished; shutting down ${targets.map((t) => t.container).join(', ')}`, { ...more, targets });
  if (givenUp.length) return plan('wait', `main containers finished; hahaha gave up on ${givenUp.join(', ')}`, more);
  if (stillUp > 0 || nativeOverdue.length > 0) return plan('wait', 'main containers finished; waiting for sidecars that hahaha cannot shut down', more);
  if (kubeletStopping.length) return plan('wait', `main containers finished; the kubelet is stopping the native sidecars ${kubeletStopping.join(', ')}`, more);
  return plan('done', 'main containers finished and every sidecar has exited', more);
}

/**
 * The plan holds for as long as the pod does not change: it does not depend on the time, and it
 * asks for nothing (no step, no report, no recheck). A pod hahaha ignores, or whose main containers
 * have not all finished, with nothing wrong to say about it. Deciding again on the same pod gives
 * the same plan, so a periodic resync may pass over it until the pod changes.
 */
export function holdsUntilChanged(p: Plan): boolean {
  // Not mainsFinishedAt alone: a main that ended as ContainerStatusUnknown has no finishedAt.
  return (p.kind === 'ignore' || (p.kind === 'wait' && p.mainsFinishedAt === undefined)) && !p.awaiting && p.recheckAfterMs === undefined && p.targets.length === 0 && p.reports.length === 0;
}

type TargetResult = { target?: Omit<Target, 'restartCount' | 'progress'> } | { detail: string };

/** The action to carry out for a running sidecar: nothing (it exits by itself), one, or why there is none. */
function target(pod: PodView, config: Config, sidecar: SidecarPlan, problems: readonly string[], native: boolean): TargetResult {
  let action = sidecar.action;
  let note = sidecar.source === 'catalog' ? `no ${shutdownKey(sidecar.name)} annotation: action from the catalog` : undefined;
  if (native) note = [`the kubelet did not stop native sidecar ${sidecar.name}`, note].filter(Boolean).join('; ');
  if (sidecar.source === 'annotation' && !action) {
    // The annotation is broken (it got in while the validating webhook was down): fall back to the catalog.
    const container = (native ? pod.initContainers : pod.containers).find((c) => c.name === sidecar.name);
    const entry = container && matchCatalog(config.catalog, container);
    const problem = problems.find((p) => p.startsWith(`${shutdownKey(sidecar.name)}:`)) ?? 'invalid annotation';
    if (!entry || !container) return { detail: problem };
    action = catalogAction(entry, container, pod.annotations).action;
    note = `${problem}; action from the catalog`;
  }
  if (!action) return { detail: `no ${shutdownKey(sidecar.name)} annotation and no catalog entry` };
  if (action.length === 1 && action[0]?.kind === 'none') return {}; // exits by itself
  const { steps, refused } = allowedSteps(config, action);
  if (steps.length === 0) return { detail: 'every step is an exec the exec policy does not allow' };
  if (refused.length) note = [note, `${refused.length} exec step(s) not allowed by the exec policy were left out`].filter(Boolean).join('; ');
  return { target: { container: sidecar.name, action: steps, ...(note ? { note } : {}), ...(native ? { native: true } : {}) } };
}
