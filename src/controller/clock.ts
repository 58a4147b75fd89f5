// The controller's clock, a seam: wall time for what is compared with the cluster's timestamps
// (Events, container finish times) and timers for requeues. Tests drive a fake one.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Run fn after ms; returns a function that cancels it. Timers never keep the process alive. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** A clock that never jumps (for lease expiry, measured on this replica's own clock). */
export const monotonicClock: Clock = { now: () => performance.now(), after: (ms, fn) => systemClock.after(ms, fn) };
