// What to do next for one sidecar instance that must be shut down, from what the cluster records
// of it: the Events hahaha wrote (a Killing event claims step i of a round, a ShutdownFailed event
// says that step did not stop the container, ShutdownAbandoned ends it). Each event's series count
// is the number of rounds it happened in, and its last time is when it last did. So the cursor —
// which step, which round, how long to back off — survives a restart of hahaha or a change of
// leader, and the retry budget with it. Pure: reconcile(cursor, now) → the next thing to do.

/** One Event as the cursor reads it: how many times it happened, and when it last did (ms). */
export interface Occurrence {
  readonly count: number;
  readonly at: number;
}

/** What the Events say about one container instance. */
export interface Cursor {
  /** The Killing event of step i: step i was claimed (and then sent) `count` rounds. */
  claim(step: number): Occurrence | undefined;
  /** The ShutdownFailed event of step i: step i failed `count` rounds. */
  failure(step: number): Occurrence | undefined;
  /** ShutdownAbandoned was written. */
  readonly abandoned: boolean;
}

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

export type Next =
  /** Claim step `step` of round `round` (series count round + 1), then send it. */
  | { readonly kind: 'send'; readonly step: number; readonly round: number }
  /** The claimed step's time is up and the container still runs: record that it failed. */
  | { readonly kind: 'fail'; readonly step: number; readonly round: number; readonly detail: string }
  /** Every round failed: record that hahaha gives up. */
  | { readonly kind: 'abandon'; readonly rounds: number }
  /** Look again after this long (a step's grace period, or the backoff between rounds). */
  | { readonly kind: 'wait'; readonly afterMs: number; readonly why: string }
  /** Nothing more to do for this instance. */
  | { readonly kind: 'done'; readonly why: string };

/** When this process saw the step's answer (a hint that only shortens the wait; lost on restart). */
export type AnsweredAt = (step: number, round: number) => number | undefined;

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10}s`;

/**
 * The next thing to do for an instance whose container is still running, with `steps` steps in its
 * action. Steps run in order within a round; a round ends when its last step has failed.
 */
export function reconcile(steps: number, cursor: Cursor, now: number, s: RetrySettings, answeredAt: AnsweredAt = () => undefined): Next {
  if (cursor.abandoned) return { kind: 'done', why: 'abandoned' };
  if (steps <= 0) return { kind: 'done', why: 'no steps' };
  const first = cursor.claim(0)?.count ?? 0;
  if (first === 0) return { kind: 'send', step: 0, round: 0 };
  const round = first - 1;
  // The step claimed last: the last one claimed as often as the first (steps go in order).
  let step = 0;
  while (step + 1 < steps && (cursor.claim(step + 1)?.count ?? 0) >= first) step++;
  const claim = cursor.claim(step) as Occurrence;
  const failed = cursor.failure(step)?.count ?? 0;
  if (failed < first) {
    // Claimed and not yet known to have failed: it was sent (by this process or an earlier leader).
    const answered = answeredAt(step, round);
    const deadline = (answered ?? claim.at + s.stepTimeoutMs) + s.graceMs;
    if (now < deadline) return { kind: 'wait', afterMs: deadline - now, why: `step ${step + 1} was sent; waiting for the container to terminate` };
    return { kind: 'fail', step, round, detail: `still running ${seconds(now - (answered ?? claim.at))} after the step ${answered === undefined ? 'was claimed' : 'answered'}` };
  }
  if (step + 1 < steps) return { kind: 'send', step: step + 1, round };
  const rounds = round + 1;
  if (rounds >= s.maxAttempts) return { kind: 'abandon', rounds };
  const backoff = Math.min(s.maxBackoffMs, s.backoffMs * 2 ** round);
  const since = cursor.failure(steps - 1)?.at ?? claim.at;
  if (now < since + backoff) return { kind: 'wait', afterMs: since + backoff - now, why: `round ${rounds} failed; backing off ${seconds(backoff)}` };
  return { kind: 'send', step: 0, round: rounds };
}

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
