// Leader election on a coordination.k8s.io/v1 Lease with client-go's algorithm (leaderelection.go):
// a candidate acquires the Lease when it is unheld or its holder has not renewed it for leaseDuration;
// the leader renews every retryPeriod and steps down when it could not renew within renewDeadline.
// Every write is an update with the last seen resourceVersion, so of two racing candidates one gets 409.
import { randomUUID } from 'node:crypto';
import type { Logger } from '@stunner/log';
import { isNotFound, KubeApiError, type KubeRest } from '../kube/kube-rest.ts';

export const DEFAULT_LEASE_NAME = '92062b70.l7mp.io';

export interface LeaderElectionOptions {
  namespace: string;
  name?: string;
  identity?: string;
  /** client-go defaults: 15 s, 10 s, 2 s. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** metav1.MicroTime */
const microTime = (d: Date): string => d.toISOString().replace(/Z$/, '000Z');

export class LeaderElector {
  readonly identity: string;
  readonly #rest: KubeRest;
  readonly #opts: Required<Omit<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading'>> &
    Pick<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading'>;
  readonly #log: Logger;
  #leading = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  /** When we last saw the observed record change (client-go's observedTime, by our own clock). */
  #observedRaw = '';
  #observedAt = 0;
  #lastRenew = 0;

  constructor(rest: KubeRest, options: LeaderElectionOptions, log: Logger) {
    this.#rest = rest;
    this.#log = log;
    this.identity = options.identity ?? `${process.env.HOSTNAME ?? 'operator'}_${randomUUID()}`;
    this.#opts = {
      name: DEFAULT_LEASE_NAME,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      ...options,
      identity: this.identity,
    };
  }

  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    void this.#tick();
  }

  /** Stops competing; a leader gives the Lease up (client-go ReleaseOnCancel) so a successor need not wait. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (this.#leading) {
      this.#setLeading(false);
      try {
        const lease = await this.#get();
        if (lease?.spec.holderIdentity === this.identity) {
          const now = microTime(new Date());
          await this.#put({
            ...lease,
            spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
          });
        }
      } catch (err) {
        this.#log.error(`releasing lease: ${(err as Error).message}`);
      }
    }
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    let ok = false;
    try {
      ok = await this.#tryAcquireOrRenew();
    } catch (err) {
      this.#log.error(`lease ${this.#opts.namespace}/${this.#opts.name}: ${(err as Error).message}`);
    }
    if (this.#stopped) return;
    const now = Date.now();
    if (ok) {
      this.#lastRenew = now;
      if (!this.#leading) this.#setLeading(true);
    } else if (this.#leading && now - this.#lastRenew > this.#opts.renewDeadlineMs) {
      this.#log.error('failed to renew the lease within the renew deadline: stepping down');
      this.#setLeading(false);
    }
    this.#timer = setTimeout(() => void this.#tick(), this.#opts.retryPeriodMs);
  }

  #setLeading(v: boolean): void {
    this.#leading = v;
    if (v) this.#opts.onStartedLeading();
    else this.#opts.onStoppedLeading();
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const durationS = Math.ceil(this.#opts.leaseDurationMs / 1000);
    const existing = await this.#get();
    if (!existing) {
      return this.#create(now, durationS);
    }
    const raw = JSON.stringify(existing.spec);
    if (raw !== this.#observedRaw) {
      this.#observedRaw = raw;
      this.#observedAt = Date.now();
    }
    const holder = existing.spec.holderIdentity ?? '';
    const held = holder !== '' && holder !== this.identity;
    const leaseMs = (existing.spec.leaseDurationSeconds ?? durationS) * 1000;
    if (held && this.#observedAt + leaseMs > Date.now()) return false;
    const spec: Lease['spec'] = {
      holderIdentity: this.identity,
      leaseDurationSeconds: durationS,
      renewTime: microTime(now),
      acquireTime: holder === this.identity && existing.spec.acquireTime ? existing.spec.acquireTime : microTime(now),
      leaseTransitions: (existing.spec.leaseTransitions ?? 0) + (holder === this.identity ? 0 : 1),
    };
    try {
      const updated = await this.#put({ ...existing, spec });
      this.#observedRaw = JSON.stringify(updated.spec);
      this.#observedAt = Date.now();
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409) return false;
      throw err;
    }
  }

  async #create(now: Date, durationS: number): Promise<boolean> {
    try {
      await this.#rest.request('POST', `/apis/coordination.k8s.io/v1/namespaces/${this.#opts.namespace}/leases`, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.#opts.name, namespace: this.#opts.namespace },
        spec: {
          holderIdentity: this.identity,
          leaseDurationSeconds: durationS,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      } satisfies Lease);
      return true;
    } catch (err) {
      // Another candidate created it first.
      if (err instanceof KubeApiError && err.status === 409) return false;
      throw err;
    }
  }

  #path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.#opts.namespace}/leases/${this.#opts.name}`;
  }

  async #get(): Promise<Lease | undefined> {
    try {
      return await this.#rest.get<Lease>(this.#path());
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  #put(lease: Lease): Promise<Lease> {
    return this.#rest.request<Lease>('PUT', this.#path(), lease);
  }
}
