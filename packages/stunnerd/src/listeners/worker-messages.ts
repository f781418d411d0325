import type { TransportAddress } from '@stunner/stun';
import type { ListenerSnapshot } from './listener-snapshot.ts';
import type { ListenerUpdate } from './turn-listener.ts';

/** Main thread → UDP worker. */
export type WorkerRequest =
  | { type: 'configure'; update: ListenerUpdate }
  | { type: 'snapshot'; id: number }
  | { type: 'close' };

/** UDP worker → main thread. */
export type WorkerResponse =
  | { type: 'started'; bound: TransportAddress[] }
  | { type: 'start-failed'; message: string }
  | { type: 'snapshot'; id: number; snapshot: ListenerSnapshot }
  | { type: 'closed' };
