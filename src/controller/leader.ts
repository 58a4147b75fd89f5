// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: try to
// acquire or renew every retry period; a lease is expired when its record has not changed for
// leaseDuration as seen by this replica's own monotonic clock (so clock skew between replicas does
// not matter). The time of a renewal is taken before its request, and each attempt is bounded by
// what is left of the renew deadline (an AbortSignal on every call): a leader that cannot renew
// within renewDeadline stops leading at once, and a 409 on renew means another replica took it.
// Releasing on shutdown empties the holder so another replica takes over without waiting for
// expiry. The Lease API and the clock are seams: tests drive fakes.
// (client-node has no leader election; this is the small loop client-go would run.)

import type { V1Lease } from '@kubernetes/client-node';
import { type KubeClient, apiPath } from '../kube/client.ts';
import { microTime } from '../kube/time.ts';
import { deadline, statusOf } from './api.ts';
import { type Clock, monotonicClock } from './clock.ts';

/** The calls leader election makes on its Lease, each bounded by the signal. */
export interface LeaseApi {
  read(signal: AbortSignal): Promise<V1Lease | undefined>;
  create(lease: V1Lease, signal: AbortSignal): Promise<void>;
  replace(lease: V1Lease, signal: AbortSignal): Promise<void>;
}

export function kubeLeaseApi(client: KubeClient, namespace: string, name: string): LeaseApi {
  const leases = apiPath`/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
  const lease = `${leases}${apiPath`/${name}`}`;
  // The signal carries the deadline; the timeout here is only a backstop.
  const opts = (signal: AbortSignal) => deadline(60_000, signal);
  return {
    async read(signal) {
      try {
        return await client.get<V1Lease>(lease, opts(signal));
      } catch (e) {
        if (statusOf(e) === 404) return undefined;
        throw e;
      }
    },
    async create(body, signal) {
      await client.create(leases, body, opts(signal));
    },
    async replace(body, signal) {
      await client.replace(lease, body, opts(signal));
    },
  };
}

export interface LeaderOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly api: LeaseApi;
  /** A monotonic clock (default performance.now). */
  readonly clock?: Clock;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Bound on releasing the lease at shutdown (default 2 s). */
  readonly releaseTimeoutMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: (why: string) => void;
  readonly onError?: (e: unknown) => void;
}

export class LeaderElector {
  private readonly opts: Required<Omit<LeaderOptions, 'onError'>> & Pick<LeaderOptions, 'onError'>;
  private leading = false;
  /** When the last successful renewal was attempted (monotonic ms). */
  private lastRenew = 0;
  private observed?: { record: string; at: number };
  private cancelTick?: () => void;
  private cancelWatchdog?: () => void;
  private attempt?: AbortController;
  private stopped = false;
  private busy?: Promise<void>;

  constructor(options: LeaderOptions) {
    this.opts = { clock: monotonicClock, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, releaseTimeoutMs: 2_000, ...options };
  }

  start(): void {
    // Independent of the renew loop: a leader that has not renewed within the deadline stops acting.
    const watchdog = (): void => {
      if (this.stopped) return;
      if (this.leading && this.opts.clock.now() - this.lastRenew > this.opts.renewDeadlineMs) {
        this.attempt?.abort(new Error('renew deadline passed'));
        this.setLeading(false, 'could not renew the lease in time');
      }
      this.cancelWatchdog = this.opts.clock.after(Math.min(1000, this.opts.retryPeriodMs), watchdog);
    };
    watchdog();
    void this.tick();
  }

  /** One attempt now (exposed for tests), then the next after the retry period. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.cancelTick?.();
    this.busy = this.tryAcquireOrRenew().finally(() => {
      if (!this.stopped) this.cancelTick = this.opts.clock.after(this.opts.retryPeriodMs * (1 + Math.random() * 0.2), () => void this.tick());
    });
    return this.busy;
  }

  /** Stop electing; release the lease if we hold it so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTick?.();
    this.cancelWatchdog?.();
    await this.busy;
    if (!this.leading) return;
    this.setLeading(false, 'shutting down');
    const signal = AbortSignal.timeout(this.opts.releaseTimeoutMs);
    try {
      const lease = await this.opts.api.read(signal);
      if (!lease || lease.spec?.holderIdentity !== this.opts.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) as unknown as Date };
      await this.opts.api.replace(lease, signal);
    } catch (e) {
      this.opts.onError?.(e);
    }
  }

  private setLeading(leading: boolean, why: string): void {
    if (this.leading === leading) return;
    this.leading = leading;
    if (leading) this.opts.onStartedLeading();
    else this.opts.onStoppedLeading(why);
  }

  private async tryAcquireOrRenew(): Promise<void> {
    // The renewal counts from before its request, as client-go's does.
    const startedAt = this.opts.clock.now();
    const budget = this.leading ? Math.max(1, this.opts.renewDeadlineMs - (startedAt - this.lastRenew)) : this.opts.renewDeadlineMs;
    const attempt = new AbortController();
    this.attempt = attempt;
    // On this elector's clock, so that tests can move it.
    const cancelTimeout = this.opts.clock.after(Math.ceil(budget), () => attempt.abort(new Error(`no answer within the renew deadline`)));
    const signal = attempt.signal;
    const wall = new Date();
    try {
      const lease = await this.opts.api.read(signal);
      // renewTime and acquireTime are MicroTime strings on the wire (src/kube/time.ts); client-node's types call them Date.
      const spec = {
        holderIdentity: this.opts.identity,
        leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000),
        renewTime: microTime(wall) as unknown as Date,
      };
      if (!lease) {
        await this.opts.api.create(
          { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.opts.name, namespace: this.opts.namespace }, spec: { ...spec, acquireTime: spec.renewTime, leaseTransitions: 0 } },
          signal,
        );
        this.renewed(startedAt);
        return;
      }
      const holder = lease.spec?.holderIdentity ?? '';
      const record = JSON.stringify([holder, lease.spec?.renewTime, lease.spec?.leaseDurationSeconds]);
      if (this.observed?.record !== record) this.observed = { record, at: startedAt };
      const duration = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
      const expired = holder === '' || this.observed.at + duration < startedAt;
      if (holder !== this.opts.identity && !expired) {
        this.setLeading(false, `the lease is held by ${holder}`);
        return;
      }
      const taking = holder !== this.opts.identity;
      lease.spec = {
        ...lease.spec,
        ...spec,
        ...(taking ? { acquireTime: spec.renewTime, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 } : {}),
      };
      await this.opts.api.replace(lease, signal);
      this.renewed(startedAt);
    } catch (e) {
      this.opts.onError?.(e);
      // A conflict means another replica wrote first; any other failure counts against the renew deadline.
      if (this.leading && (statusOf(e) === 409 || this.opts.clock.now() - this.lastRenew > this.opts.renewDeadlineMs)) {
        this.setLeading(false, statusOf(e) === 409 ? 'another replica took the lease' : 'could not renew the lease in time');
      }
    } finally {
      cancelTimeout();
    }
  }

  private renewed(startedAt: number): void {
    // A renewal that finished after the deadline (or after an abort) does not make a leader.
    if (this.stopped) return;
    this.lastRenew = startedAt;
    if (this.opts.clock.now() - startedAt > this.opts.renewDeadlineMs) return;
    this.setLeading(true, '');
  }
}
