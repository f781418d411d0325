import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import {
  BatchUdpSocket,
  closeTrackedFds,
  closeUdpFd,
  dupFd,
  fdHandedTo,
  newFdTable,
  openUdpFd,
  udpFdPort,
} from '@stunner/fastio';

// The main thread holds a socket; a worker serves a dup of it. The worker's end goes with the worker,
// the socket (and its place in the SO_REUSEPORT group) stays until the main thread closes it.
describe('a socket held by one thread and served by another (dupFd, BatchUdpSocket.adopt)', () => {
  it('serves datagrams in the worker and outlives it', async () => {
    const held = openUdpFd('IPv4', 0, { address: '127.0.0.1', reusePort: true });
    const port = udpFdPort(held);
    const fds = newFdTable();
    const spawn = () => {
      const fd = dupFd(held);
      fdHandedTo(fds, fd);
      return new Worker(
        `
          const { parentPort, workerData } = require('node:worker_threads');
          import('@stunner/fastio').then(({ BatchUdpSocket, trackFds }) => {
            trackFds(workerData.fds);
            const s = BatchUdpSocket.adopt(workerData.fd, 'IPv4');
            s.onDatagram((data, source) => s.send(data, 0, data.length, source.port, source.address));
            parentPort.postMessage(s.port);
          });
        `,
        { eval: true, workerData: { fds, fd } },
      );
    };
    const client = createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    const echo = async (text: string) => {
      const got = once(client, 'message', { signal: AbortSignal.timeout(3000) });
      client.send(text, port, '127.0.0.1');
      return String(((await got) as [Buffer])[0]);
    };
    try {
      for (const round of ['first', 'second']) {
        const worker = spawn();
        assert.equal(await new Promise((resolve) => worker.once('message', resolve)), port);
        assert.equal(await echo(round), round, `the ${round} worker answers on the held socket`);
        await worker.terminate();
        // The dup and the worker's epoll descriptor; the held socket stays bound.
        assert.equal(closeTrackedFds(fds), 2);
        assert.throws(() => BatchUdpSocket.bind('IPv4', port, { address: '127.0.0.1' }), { code: 'EADDRINUSE' });
      }
    } finally {
      client.close();
      closeUdpFd(held);
    }
    const again = BatchUdpSocket.bind('IPv4', port, { address: '127.0.0.1' });
    again.close();
  });
});
