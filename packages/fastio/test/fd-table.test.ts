import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { BatchUdpSocket, closeTrackedFds, newFdTable } from '@stunner/fastio';

// A worker binds a batched socket and is terminated without closing it: the parent closes what the
// worker's fd table still lists, so the port is free again (no SO_REUSEPORT socket left behind).
describe('fd table of a worker thread', () => {
  it('lets the parent close the sockets of a terminated worker', async () => {
    const fds = newFdTable();
    const worker = new Worker(
      `
        const { parentPort, workerData } = require('node:worker_threads');
        import('@stunner/fastio').then(({ BatchUdpSocket, trackFds }) => {
          trackFds(workerData);
          const s = BatchUdpSocket.bind('IPv4', 0, { address: '127.0.0.1' });
          parentPort.postMessage(s.port);
        });
      `,
      { eval: true, workerData: fds },
    );
    const port = await new Promise<number>((resolve) => worker.once('message', resolve));
    await worker.terminate();
    assert.throws(() => BatchUdpSocket.bind('IPv4', port, { address: '127.0.0.1' }), { code: 'EADDRINUSE' });
    // The socket and the worker's epoll descriptor.
    assert.equal(closeTrackedFds(fds), 2);
    const again = BatchUdpSocket.bind('IPv4', port, { address: '127.0.0.1' });
    again.close();
    assert.equal(closeTrackedFds(fds), 0);
  });
});
