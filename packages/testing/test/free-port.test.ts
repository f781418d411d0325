import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { freePort, freeUdpPortPair } from '@stunner/testing';

function bindUdp(port: number): Promise<ReturnType<typeof createSocket>> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
}

describe('freePort', () => {
  it('gives a port that UDP can bind on 127.0.0.1', async () => {
    const a = await freePort();
    const b = await freePort();
    assert.ok(a > 0 && b > 0);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(a, '127.0.0.1', resolve));
    socket.close();
  });
});

describe('freeUdpPortPair', () => {
  it('gives two consecutive ports that UDP can bind on 127.0.0.1', async () => {
    const port = await freeUdpPortPair();
    const sockets = await Promise.all([bindUdp(port), bindUdp(port + 1)]);
    assert.deepEqual(
      sockets.map((s) => s.address().port),
      [port, port + 1],
    );
    for (const s of sockets) s.close();
  });
});
