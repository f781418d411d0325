// Worker thread of a multi-threaded TURN-UDP listener: one SO_REUSEPORT socket, its own engine and
// the relay sockets of its allocations (DESIGN.md §6). Config arrives from the main thread. Only the
// UDP listener is imported, so each thread starts without the stream and DTLS code.
import { parentPort, workerData } from 'node:worker_threads';
import { trackFds } from '@stunner/fastio';
import { StunnerdError } from '../errors.ts';
import { LocalTurnListener } from './local-turn-listener.ts';
import type { ListenerSetup } from './turn-listener.ts';
import { UdpTurnListener } from './udp-turn-listener.ts';
import type { WorkerData, WorkerRequest, WorkerResponse } from './worker-messages.ts';

const port = parentPort;
if (!port) {
  throw new StunnerdError(
    'STUNNERD_ERR_WORKER',
    'udp-worker-main.ts runs only as a worker thread of WorkerUdpListener',
  );
}
const data = workerData as WorkerData;
trackFds(data.fds);
const reply = (message: WorkerResponse) => port.postMessage(message);

// The daemon's user quota lives on the main thread: every worker and listener counts against it.
const quotaAnswers = new Map<number, (ok: boolean) => void>();
let nextQuotaId = 0;
const remoteQuota = {
  acquire: (userId: string) =>
    new Promise<boolean>((resolve) => {
      const id = nextQuotaId++;
      quotaAnswers.set(id, resolve);
      reply({ type: 'quota-acquire', id, userId });
    }),
  release: (userId: string) => reply({ type: 'quota-release', userId }),
};

const listener = new LocalTurnListener(
  data.setup as ListenerSetup,
  (setup, common) =>
    new UdpTurnListener({
      ...common,
      ipv6: setup.ipv6,
      reusePort: true,
      ...(data.sockets ? { sockets: data.sockets } : {}),
    }),
  { remoteQuota },
);

port.on('message', (message: WorkerRequest) => {
  switch (message.type) {
    case 'configure':
      listener.configure(message.update);
      break;
    case 'snapshot':
      reply({ type: 'snapshot', id: message.id, snapshot: listener.snapshotNow() });
      break;
    case 'quota':
      quotaAnswers.get(message.id)?.(message.ok);
      quotaAnswers.delete(message.id);
      break;
    case 'close':
      void listener.close().then(() => {
        reply({ type: 'closed' });
        port.close();
      });
      break;
  }
});

listener.start().then(
  (bound) => reply({ type: 'started', bound }),
  (err: Error) => reply({ type: 'start-failed', message: err.message }),
);
