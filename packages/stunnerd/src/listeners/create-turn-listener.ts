import type { AllocationQuota } from '@stunner/turn';
import { LocalTurnListener } from './local-turn-listener.ts';
import { createProtocolListener } from './protocol-listener.ts';
import type { ListenerSetup, TurnListener } from './turn-listener.ts';
import { WorkerUdpListener } from './worker-udp-listener.ts';

/**
 * Builds the listener a config entry asks for (stunner-v1.md §1.8): with `udpThreads` > 1 a TURN-UDP
 * listener runs that many worker threads, each serving one SO_REUSEPORT socket of the port (held by
 * this thread, so a worker restart keeps the group) with its own engine and relays;
 * 0 and 1 serve it on the calling thread. `quota` is the daemon's user quota, which every listener and
 * worker thread counts against.
 */
export function createTurnListener(setup: ListenerSetup, udpThreads = 0, quota?: AllocationQuota): TurnListener {
  if (setup.config.protocol === 'TURN-UDP' && udpThreads > 1) return new WorkerUdpListener(setup, udpThreads, quota);
  return new LocalTurnListener(setup, createProtocolListener, quota ? { quota } : {});
}
