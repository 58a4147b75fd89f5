// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: try to
// acquire or renew every retry period; a lease is expired when its record has not changed for
// leaseDuration as seen by this replica's own clock (so clock skew between replicas does not
// matter); a leader that cannot renew within renewDeadline stops leading at once. Releasing on
// shutdown empties the holder so another replica takes over without waiting for expiry.
// (client-node has no leader election; this is the small loop client-go would run.)

import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { microTime } from './events.ts';
import { statusOf } from './api.ts';

export interface LeaderOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: (why: string) => void;
  readonly onError?: (e: unknown) => void;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly o: Required<Omit<LeaderOptions, 'onError'>> & Pick<LeaderOptions, 'onError'>;
  private leading = false;
  private lastRenew = 0;
  private observed?: { record: string; at: number };
  private timer?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;
  private stopped = false;
  private busy?: Promise<void>;

  constructor(kc: KubeConfig, o: LeaderOptions) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...o };
  }

  start(): void {
    // Independent of the renew loop, which may hang on a slow apiserver: a leader that has not
    // renewed within the deadline stops acting.
    this.deadline = setInterval(() => {
      if (this.leading && performance.now() - this.lastRenew > this.o.renewDeadlineMs) this.setLeading(false, 'could not renew the lease in time');
    }, Math.min(1000, this.o.retryPeriodMs));
    this.deadline.unref();
    const tick = (): void => {
      if (this.stopped) return;
      this.busy = this.tryAcquireOrRenew().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.jitter());
      });
    };
    tick();
  }

  /** Stop electing; release the lease if we hold it so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.deadline);
    await this.busy;
    if (!this.leading) return;
    this.setLeading(false, 'shutting down');
    try {
      const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) as unknown as Date };
      await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease });
    } catch (e) {
      this.o.onError?.(e);
    }
  }

  private jitter(): number {
    return this.o.retryPeriodMs * (1 + Math.random() * 0.2);
  }

  private setLeading(leading: boolean, why: string): void {
    if (this.leading === leading) return;
    this.leading = leading;
    if (leading) this.o.onStartedLeading();
    else this.o.onStoppedLeading(why);
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const now = Date.now();
    try {
      let lease: V1Lease | undefined;
      try {
        lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      } catch (e) {
        if (statusOf(e) !== 404) throw e;
      }
      const spec = {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
        renewTime: microTime(new Date(now)) as unknown as Date,
      };
      if (!lease) {
        await this.api.createNamespacedLease({
          namespace: this.o.namespace,
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.name, namespace: this.o.namespace }, spec: { ...spec, acquireTime: spec.renewTime, leaseTransitions: 0 } },
        });
        this.lastRenew = performance.now();
        this.setLeading(true, '');
        return;
      }
      const holder = lease.spec?.holderIdentity ?? '';
      const record = JSON.stringify([holder, lease.spec?.renewTime, lease.spec?.leaseDurationSeconds]);
      if (this.observed?.record !== record) this.observed = { record, at: performance.now() };
      const duration = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
      const expired = holder === '' || this.observed.at + duration < performance.now();
      if (holder !== this.o.identity && !expired) {
        this.setLeading(false, `the lease is held by ${holder}`);
        return;
      }
      const taking = holder !== this.o.identity;
      lease.spec = {
        ...lease.spec,
        ...spec,
        ...(taking ? { acquireTime: spec.renewTime, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 } : {}),
      };
      await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease });
      this.lastRenew = performance.now();
      this.setLeading(true, '');
    } catch (e) {
      this.o.onError?.(e);
      // A conflict means another replica wrote first; any other failure counts against the renew deadline.
      if (this.leading && (statusOf(e) === 409 || performance.now() - this.lastRenew > this.o.renewDeadlineMs)) {
        this.setLeading(false, statusOf(e) === 409 ? 'another replica took the lease' : 'could not renew the lease in time');
      }
    }
  }
}
