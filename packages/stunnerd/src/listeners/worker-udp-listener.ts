import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { closeTrackedFds, FastIoError, fdHandedTo, newFdTable } from '@stunner/fastio';
import type { TransportAddress } from '@stunner/stun';
import type { AllocationQuota } from '@stunner/turn';
import { StunnerdError } from '../errors.ts';
import { addTraffic, emptySnapshot, type ListenerSnapshot, mergeClusters } from './listener-snapshot.ts';
import { LISTENER_BUFFER_BYTES } from './listener-sockets.ts';
import { ReusePortGroup } from './reuseport-group.ts';
import type { ListenerSetup, ListenerUpdate, TurnListener } from './turn-listener.ts';
import type { WorkerData, WorkerRequest, WorkerResponse } from './worker-messages.ts';

const WORKER_MAIN = new URL('./udp-worker-main.ts', import.meta.url);
/** A crashed worker is started again after this long, ms, so a crash loop does not spin. */
const RESTART_DELAY_MS = 200;
/** A worker that does not answer a snapshot within this long counts as empty, ms. */
const SNAPSHOT_TIMEOUT_MS = 1000;

export interface WorkerUdpListenerEvents {
  /** A worker died unexpectedly and is being replaced; its allocations are lost. */
  'worker-restart': [index: number, reason: string];
  /** A worker bound its socket and serves. */
  'worker-started': [index: number];
  /**
   * The main thread cannot hold the SO_REUSEPORT sockets (no libc through koffi here): each worker
   * binds its own, and a restart re-deals the other threads' flows.
   */
  'unstable-steering': [reason: string];
}

/**
 * A TURN-UDP listener served by N worker threads (stunnerd `--udp-thread-num`), each serving one
 * SO_REUSEPORT socket on the port: the kernel hashes a 5-tuple to one socket, so an allocation's
 * packets always reach the thread that holds it. The main thread binds and holds the N sockets
 * (ReusePortGroup) and each worker start gets a dup of its slot's, so a crashed worker, restarted in
 * place with the current config, loses only its own allocations: the group never changes and no other
 * thread's 5-tuple moves. Where libc is out of reach (koffi missing), each worker binds its own socket
 * and a restart re-deals every flow ('unstable-steering'). Config goes out by message; counters come
 * back at scrape time and are summed.
 */
export class WorkerUdpListener extends EventEmitter<WorkerUdpListenerEvents> implements TurnListener {
  readonly #threads: number;
  #setup: ListenerSetup;
  readonly #workers: Array<Worker | undefined>;
  #nextId = 0;
  readonly #pending = new Map<number, (s: ListenerSnapshot) => void>();
  readonly #quota: AllocationQuota | undefined;
  /** Quota units each worker holds, given back when it dies (its allocations die with it). */
  readonly #held: Array<Map<string, number>>;
  #closing = false;
  /** The sockets the workers serve, held here; undefined where each worker binds its own. */
  #group: ReusePortGroup | undefined;
  /** Unexpected worker exits per thread (stunner_listener_thread_restarts_total). */
  readonly #restarts: number[];

  /** `quota`: the daemon's user quota, which the workers take units of by message. */
  constructor(setup: ListenerSetup, threads: number, quota?: AllocationQuota) {
    super();
    this.#setup = setup;
    this.#threads = threads;
    this.#quota = quota;
    this.#workers = new Array(threads).fill(undefined);
    this.#held = Array.from({ length: threads }, () => new Map());
    this.#restarts = new Array(threads).fill(0);
  }

  get threads(): number {
    return this.#threads;
  }

  async start(): Promise<TransportAddress[]> {
    try {
      this.#group = ReusePortGroup.open(
        this.#threads,
        this.#setup.config.port,
        this.#setup.ipv6 !== false,
        LISTENER_BUFFER_BYTES,
      );
    } catch (err) {
      if (!(err instanceof FastIoError && err.code === 'FASTIO_ERR_UNAVAILABLE')) throw err;
      this.emit('unstable-steering', err.message);
    }
    const bound = await Promise.all(Array.from({ length: this.#threads }, (_, i) => this.#spawn(i)));
    return bound[0]!;
  }

  /** Stops worker `index` as if it crashed (for tests and fault drills). */
  async crash(index: number): Promise<void> {
    await this.#workers[index]?.terminate();
  }

  configure(update: ListenerUpdate): void {
    this.#setup = {
      ...this.#setup,
      ...(update.auth ? { auth: update.auth } : {}),
      ...(update.peers ? { peers: update.peers } : {}),
      ...(update.bandwidthLimit !== undefined ? { bandwidthLimit: update.bandwidthLimit } : {}),
    };
    for (const w of this.#workers) w?.postMessage({ type: 'configure', update } satisfies WorkerRequest);
  }

  async snapshot(): Promise<ListenerSnapshot> {
    const parts = await this.#snapshots();
    const sum = parts.reduce((sum, p) => ({
      allocations: sum.allocations + p.allocations,
      connections: sum.connections + p.connections,
      connectionsTotal: sum.connectionsTotal + p.connectionsTotal,
      rx: { packets: sum.rx.packets + p.rx.packets, bytes: sum.rx.bytes + p.rx.bytes },
      tx: { packets: sum.tx.packets + p.tx.packets, bytes: sum.tx.bytes + p.tx.bytes },
      clusters: mergeClusters(sum.clusters, p.clusters),
      threads: [],
      bandwidthDropped: {
        rx: addTraffic(sum.bandwidthDropped.rx, p.bandwidthDropped.rx),
        tx: addTraffic(sum.bandwidthDropped.tx, p.bandwidthDropped.tx),
      },
    }));
    // A thread that did not answer (restarting) shows as zero rather than vanishing from /metrics.
    sum.threads = parts.map((p, i) => ({
      allocations: p.allocations,
      rx: p.rx,
      tx: p.tx,
      restarts: this.#restarts[i]!,
    }));
    return sum;
  }

  /** Allocations held by each thread, in thread order. */
  async perThreadAllocations(): Promise<number[]> {
    return (await this.#snapshots()).map((s) => s.allocations);
  }

  #snapshots(): Promise<ListenerSnapshot[]> {
    return Promise.all(
      this.#workers.map(
        (w) =>
          new Promise<ListenerSnapshot>((resolve) => {
            if (!w) return resolve(emptySnapshot());
            const id = this.#nextId++;
            const timer = setTimeout(() => {
              this.#pending.delete(id);
              resolve(emptySnapshot());
            }, SNAPSHOT_TIMEOUT_MS);
            this.#pending.set(id, (s) => {
              clearTimeout(timer);
              resolve(s);
            });
            w.postMessage({ type: 'snapshot', id } satisfies WorkerRequest);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      this.#workers.map(async (w) => {
        if (!w) return;
        const exited = new Promise((resolve) => w.once('exit', resolve));
        w.postMessage({ type: 'close' } satisfies WorkerRequest);
        const timer = setTimeout(() => void w.terminate(), 2000);
        await exited;
        clearTimeout(timer);
      }),
    );
    // Every worker's dups are closed by now (at its exit): this takes the sockets off the port.
    this.#group?.close();
    this.#group = undefined;
  }

  /** Counts `delta` units for `userId` in worker `index`; false when there was none to give back. */
  #take(index: number, userId: string, delta: 1 | -1): boolean {
    const held = this.#held[index]!;
    const n = (held.get(userId) ?? 0) + delta;
    if (n < 0) return false;
    if (n === 0) held.delete(userId);
    else held.set(userId, n);
    return true;
  }

  #releaseAll(index: number): void {
    const held = this.#held[index]!;
    for (const [userId, n] of held) for (let i = 0; i < n; i++) this.#quota?.release(userId);
    held.clear();
  }

  #spawn(index: number): Promise<TransportAddress[]> {
    // Descriptors the batched I/O path opens in the worker: closed here if it dies without closing them.
    const fds = newFdTable();
    // The dups are the worker's from here: listed in its table, closed at its exit if it does not.
    const sockets = this.#group?.handOut(index);
    for (const s of sockets ?? []) fdHandedTo(fds, s.fd);
    const worker = new Worker(WORKER_MAIN, {
      workerData: { setup: this.#setup, fds, ...(sockets ? { sockets } : {}) } satisfies WorkerData,
    });
    this.#workers[index] = worker;
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (message: WorkerResponse) => {
        if (message.type === 'started') {
          started = true;
          this.emit('worker-started', index);
          resolve(message.bound);
        } else if (message.type === 'start-failed') {
          reject(new StunnerdError('STUNNERD_ERR_WORKER', `worker thread ${index}: ${message.message}`));
          void worker.terminate();
        } else if (message.type === 'snapshot') {
          const done = this.#pending.get(message.id);
          this.#pending.delete(message.id);
          done?.(message.snapshot);
        } else if (message.type === 'quota-acquire') {
          const ok = this.#quota === undefined || this.#quota.acquire(message.userId);
          if (ok) this.#take(index, message.userId, 1);
          worker.postMessage({ type: 'quota', id: message.id, ok } satisfies WorkerRequest);
        } else if (message.type === 'quota-release') {
          if (this.#take(index, message.userId, -1)) this.#quota?.release(message.userId);
        }
      });
      worker.on('error', (err) => {
        if (!started) reject(err);
      });
      worker.on('exit', (code) => {
        closeTrackedFds(fds);
        if (this.#workers[index] === worker) this.#workers[index] = undefined;
        this.#releaseAll(index);
        if (!started || this.#closing) return;
        this.#restarts[index]!++;
        this.emit('worker-restart', index, `worker ${index} exited with code ${code}`);
        setTimeout(() => {
          // A dup that fails (EMFILE) throws before the promise exists: caught the same way.
          Promise.resolve(index)
            .then((i) => (this.#closing ? undefined : this.#spawn(i)))
            .catch(() => {});
        }, RESTART_DELAY_MS).unref();
      });
    });
  }
}
