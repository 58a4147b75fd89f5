// The shutdown cursor as hahaha 0.1 kept it, in Events, read once so that an upgrade with pods in
// flight neither sends a step twice nor resets a retry budget. 0.1 named each Event after what it
// was about (src/controller/events.ts eventName): `Killing` with key `<instance>/<step>` claimed a
// step (its series count the round), `ShutdownFailed` likewise said the step failed, and
// `ShutdownAbandoned` with key `<instance>` ended it; an instance was `<uid>/<container>/<restarts>`,
// or `<uid>/<container>/native` for the native fallback. So the cursor of a sidecar is a few GETs
// by name, and only for a sidecar with no progress in the pod's record whose main containers
// finished before this replica's leadership began (no 0.1 replica can have acted on it since).
// Those Events expire with the apiserver's --event-ttl; this reader can go once no 0.1 is left.

import type { EventsV1Event } from '@kubernetes/client-node';
import type { Progress } from '../core/state.ts';
import { deadline, REQUEST_TIMEOUT_MS, statusOf } from './api.ts';
import { type EventsApi, type PodRef, eventName } from './events.ts';

export interface LegacySidecar {
  readonly container: string;
  readonly restartCount: number;
  readonly native?: boolean;
  readonly steps: number;
}

export interface LegacyReader {
  /** The progress 0.1's Events record for this sidecar, or undefined when they record none. */
  progress(pod: PodRef, s: LegacySidecar): Promise<Progress | undefined>;
}

interface Seen {
  readonly count: number;
  readonly at: number;
}

const timeOf = (e: EventsV1Event): number =>
  Date.parse(String(e.series?.lastObservedTime ?? '')) || Date.parse(String(e.eventTime ?? '')) || Date.parse(String(e.metadata?.creationTimestamp ?? '')) || 0;

export function legacyReader(api: EventsApi, requestTimeoutMs = REQUEST_TIMEOUT_MS): LegacyReader {
  const read = async (pod: PodRef, reason: string, key: string): Promise<Seen | undefined> => {
    try {
      const e = await api.readNamespacedEvent({ namespace: pod.namespace, name: eventName({ pod, reason, key }) }, deadline(requestTimeoutMs));
      return { count: e.series?.count ?? 1, at: timeOf(e) };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  };
  return {
    async progress(pod, s) {
      const instance = `${pod.uid}/${s.container}/${s.native ? 'native' : s.restartCount}`;
      // First, as 0.1 read it first: written after the last round's claims, it outlives them by a little.
      const abandoned = await read(pod, 'ShutdownAbandoned', instance);
      if (abandoned) return { round: 0, step: 0, claimedAt: abandoned.at, restarts: s.restartCount, firstRestarts: s.restartCount, gaveUp: true };
      const first = await read(pod, 'Killing', `${instance}/0`);
      if (!first) return undefined;
      const claims: Seen[] = [first];
      for (let i = 1; i < s.steps; i++) {
        const c = await read(pod, 'Killing', `${instance}/${i}`);
        if (!c || c.count < first.count) break;
        claims.push(c);
      }
      const step = claims.length - 1;
      const failure = await read(pod, 'ShutdownFailed', `${instance}/${step}`);
      return legacyProgress(first.count, step, claims[step] as Seen, failure, s.restartCount);
    },
  };
}

/** 0.1's cursor as progress: the round is the first step's count less one; the open step is the last one claimed as often. */
export function legacyProgress(firstCount: number, step: number, claim: Seen, failure: Seen | undefined, restartCount: number): Progress {
  return {
    round: firstCount - 1,
    step,
    claimedAt: claim.at,
    restarts: restartCount,
    firstRestarts: restartCount,
    ...(failure && failure.count >= firstCount ? { failedAt: failure.at } : {}),
  };
}
