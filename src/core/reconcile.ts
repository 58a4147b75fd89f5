// What to do next for one sidecar that must be shut down, from where its shutdown stands in the
// pod's own record (src/core/state.ts): the step claimed, in which round, when, whether it is known
// to have failed, whether hahaha gave up. The record lives as long as the pod, so the cursor (which
// step, which round, how long to back off) and the retry budget with it survive a restart of
// hahaha, a change of leader and the expiry of every Event. The budget is per pod and container,
// whatever the container's restarts. Pure: reconcile(progress, now) → the next thing to do.

import type { Progress } from './state.ts';

export interface RetrySettings {
  /** How long a container may take to terminate after a step answered. */
  readonly graceMs: number;
  /** The longest a step may take to answer. */
  readonly stepTimeoutMs: number;
  /** Backoff after a round in which every step failed: base, doubling up to max. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** Rounds before giving up. */
  readonly maxAttempts: number;
}

/** The backoff doubles up to this, or up to the base backoff itself where that is longer. */
export const MAX_BACKOFF_MS = 300_000;

/** The retry settings of a base backoff: doubling up to 5 min, or staying at a base above that. */
export const backoffSettings = (backoffMs: number): Pick<RetrySettings, 'backoffMs' | 'maxBackoffMs'> => ({ backoffMs, maxBackoffMs: Math.max(MAX_BACKOFF_MS, backoffMs) });

/** Why hahaha gives up on a sidecar. */
export type GiveUp =
  /** Every round failed. */
  | 'rounds'
  /** Every round failed, and the kubelet restarted the container after a step (restartPolicy OnFailure and a non-zero exit). */
  | 'restarts'
  /** A native sidecar that hahaha stopped was started again by the kubelet: hahaha does not fight the kubelet. */
  | 'native-restarted';

export type Next =
  /** Claim step `step` of round `round`, then send it. */
  | { readonly kind: 'send'; readonly step: number; readonly round: number }
  /** The claimed step did not stop the container: record that it failed. */
  | { readonly kind: 'fail'; readonly step: number; readonly round: number; readonly detail: string; readonly outcome: 'still-running' | 'restarted' }
  /** Record that hahaha gives up. */
  | { readonly kind: 'abandon'; readonly rounds: number; readonly why: GiveUp }
  /** Look again after this long (a step's grace period, or the backoff between rounds). */
  | { readonly kind: 'wait'; readonly afterMs: number; readonly why: string }
  /** Nothing more to do for this sidecar. */
  | { readonly kind: 'done'; readonly why: string };

/** The container as it is now. */
export interface Live {
  readonly restartCount: number;
  /** A native sidecar (an init container), shut down because the kubelet did not. */
  readonly native?: boolean;
}

/** When this process saw the step's answer (a hint that only shortens the wait; lost on restart). */
export type AnsweredAt = (step: number, round: number) => number | undefined;

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10}s`;

/**
 * The next thing to do for a sidecar that is still running, with `steps` steps in its action.
 * Steps run in order within a round; a round ends when its last step has failed.
 */
export function reconcile(steps: number, p: Progress | undefined, now: number, s: RetrySettings, live: Live, answeredAt: AnsweredAt = () => undefined): Next {
  if (p?.gaveUp) return { kind: 'done', why: 'gave up' };
  if (steps <= 0) return { kind: 'done', why: 'no steps' };
  if (!p) return { kind: 'send', step: 0, round: 0 };
  const step = Math.min(p.step, steps - 1);
  if (p.failedAt === undefined) {
    // Claimed and not known to have failed: it was sent (by this process or an earlier leader).
    if (live.restartCount > p.restarts) {
      // It stopped, and the kubelet started it again: a native sidecar is the kubelet's to keep.
      if (live.native) return { kind: 'abandon', rounds: p.round + 1, why: 'native-restarted' };
      return { kind: 'fail', step, round: p.round, detail: 'exited after the step and was restarted by the kubelet', outcome: 'restarted' };
    }
    const answered = answeredAt(step, p.round);
    const deadline = (answered ?? p.claimedAt + s.stepTimeoutMs) + s.graceMs;
    if (now < deadline) return { kind: 'wait', afterMs: deadline - now, why: `step ${step + 1} was sent; waiting for the container to terminate` };
    return { kind: 'fail', step, round: p.round, detail: `still running ${seconds(now - (answered ?? p.claimedAt))} after the step ${answered === undefined ? 'was claimed' : 'answered'}`, outcome: 'still-running' };
  }
  if (step + 1 < steps) return { kind: 'send', step: step + 1, round: p.round };
  const rounds = p.round + 1;
  if (rounds >= s.maxAttempts) return { kind: 'abandon', rounds, why: live.restartCount > p.firstRestarts ? 'restarts' : 'rounds' };
  const backoff = Math.min(s.maxBackoffMs, s.backoffMs * 2 ** p.round);
  if (now < p.failedAt + backoff) return { kind: 'wait', afterMs: p.failedAt + backoff - now, why: `round ${rounds} failed; backing off ${seconds(backoff)}` };
  return { kind: 'send', step: 0, round: rounds };
}

/** The progress once step `step` of round `round` is claimed now. */
export function claimed(p: Progress | undefined, step: number, round: number, now: number, live: Live): Progress {
  return { round, step, claimedAt: now, restarts: live.restartCount, firstRestarts: p && !(round === 0 && step === 0) ? p.firstRestarts : live.restartCount };
}

/** The progress once its claimed step is known to have failed, now. */
export const failed = (p: Progress, now: number): Progress => ({ ...p, failedAt: now });

/** The progress once hahaha gave up. */
export const gaveUp = (p: Progress): Progress => ({ ...p, gaveUp: true });

/** One instance of a container hahaha sent a step to. */
export interface SentTo {
  readonly uid: string;
  readonly container: string;
  readonly restartCount: number;
  readonly native?: boolean;
}

export type Outcome = 'running' | 'success' | 'restarted' | 'pod-replaced' | 'pod-deleted';

interface PodLike {
  readonly uid: string;
  readonly containerStatuses: readonly { name: string; state: string; restartCount: number }[];
  readonly initContainerStatuses: readonly { name: string; state: string; restartCount: number }[];
}

/** What became of a container instance hahaha sent a step to, as the pod shows it now. */
export function outcomeOf(pod: PodLike | undefined, sent: SentTo): Outcome {
  if (!pod) return 'pod-deleted';
  if (pod.uid !== sent.uid) return 'pod-replaced';
  const status = (sent.native ? pod.initContainerStatuses : pod.containerStatuses).find((c) => c.name === sent.container);
  if (!status) return 'pod-replaced';
  if (status.restartCount !== sent.restartCount) return 'restarted';
  return status.state === 'terminated' ? 'success' : 'running';
}
