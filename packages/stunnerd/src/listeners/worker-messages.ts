import type { TransportAddress } from '@stunner/stun';
import type { ListenerSnapshot } from './listener-snapshot.ts';
import type { HeldSocket } from './listener-sockets.ts';
import type { ListenerSetup, ListenerUpdate } from './turn-listener.ts';

/** What a UDP worker starts with. */
export interface WorkerData {
  setup: ListenerSetup;
  /** The worker's fd table (@stunner/fastio trackFds), read by the main thread after the worker exits. */
  fds: SharedArrayBuffer;
  /** Descriptors (dups, already listed in `fds`) of the sockets the main thread holds for this thread's slot; absent: bind the port itself. */
  sockets?: HeldSocket[];
}

/** Main thread → UDP worker. */
export type WorkerRequest =
  | { type: 'configure'; update: ListenerUpdate }
  | { type: 'snapshot'; id: number }
  | { type: 'quota'; id: number; ok: boolean }
  | { type: 'close' };

/** UDP worker → main thread. */
export type WorkerResponse =
  | { type: 'started'; bound: TransportAddress[] }
  | { type: 'start-failed'; message: string }
  | { type: 'snapshot'; id: number; snapshot: ListenerSnapshot }
  /** Takes one unit of the daemon's user quota (answered by a 'quota' request with the same id). */
  | { type: 'quota-acquire'; id: number; userId: string }
  | { type: 'quota-release'; userId: string }
  | { type: 'closed' };
