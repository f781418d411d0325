import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, describe, it } from 'node:test';
import { BatchUdpSocket, ioLoop, type UdpSource } from '@stunner/fastio';

function dgramPeer(type: 'udp4' | 'udp6', address: string): Promise<Socket> {
  const s = createSocket(type);
  return new Promise((resolve) =>
    s.bind(0, address, () => {
      // Bursts of hundreds of datagrams must not overflow the default receive buffer.
      s.setRecvBufferSize(4 * 1024 * 1024);
      resolve(s);
    }),
  );
}

/** Resolves once `n` datagrams have arrived at `socket`. */
function collect(socket: BatchUdpSocket, n: number): Promise<Array<{ data: string; source: UdpSource }>> {
  const got: Array<{ data: string; source: UdpSource }> = [];
  return new Promise((resolve) => {
    socket.onDatagram((data, source) => {
      got.push({ data: data.toString(), source });
      if (got.length === n) resolve(got);
    });
  });
}

function collectDgram(socket: Socket, n: number): Promise<Array<{ data: Buffer; port: number }>> {
  const got: Array<{ data: Buffer; port: number }> = [];
  return new Promise((resolve) => {
    socket.on('message', (data, rinfo) => {
      got.push({ data, port: rinfo.port });
      if (got.length === n) resolve(got);
    });
  });
}

describe('BatchUdpSocket', { timeout: 20_000 }, () => {
  const open: Array<{ close(): void }> = [];
  after(() => {
    for (const s of open) s.close();
  });

  it('receives a burst from one source as one cached source object (IPv4)', async () => {
    const socket = BatchUdpSocket.bind('IPv4', 0, { address: '127.0.0.1' });
    const peer = await dgramPeer('udp4', '127.0.0.1');
    open.push(socket, peer);
    const done = collect(socket, 100);
    for (let i = 0; i < 100; i++) peer.send(`m${i}`, socket.port, '127.0.0.1');
    const got = await done;
    assert.deepEqual(
      got.map((g) => g.data),
      Array.from({ length: 100 }, (_, i) => `m${i}`),
    );
    assert.equal(got[0]!.source.address, '127.0.0.1');
    assert.equal(got[0]!.source.port, peer.address().port);
    assert.ok(
      got.every((g) => g.source === got[0]!.source),
      'one source object per 5-tuple',
    );
  });

  it('tells sources apart: one source object per address and port, each with its own port', async () => {
    const socket = BatchUdpSocket.bind('IPv4', 0);
    const peers = await Promise.all([1, 2, 3].map(() => dgramPeer('udp4', '127.0.0.1')));
    open.push(socket, ...peers);
    const done = collect(socket, 30);
    for (let i = 0; i < 10; i++) for (const p of peers) p.send(String(p.address().port), socket.port, '127.0.0.1');
    const got = await done;
    for (const g of got) assert.equal(String(g.source.port), g.data);
    assert.equal(new Set(got.map((g) => g.source)).size, 3);
  });

  it('sends a batch to several destinations, each datagram once and in order per destination', async () => {
    const socket = BatchUdpSocket.bind('IPv4', 0);
    const a = await dgramPeer('udp4', '127.0.0.1');
    const b = await dgramPeer('udp4', '127.0.0.1');
    open.push(socket, a, b);
    const gotA = collectDgram(a, 50);
    const gotB = collectDgram(b, 50);
    const payload = Buffer.from('xxhello-0000');
    for (let i = 0; i < 50; i++) {
      payload.write(String(i).padStart(4, '0'), 8);
      socket.send(payload, 2, 10, a.address().port, '127.0.0.1');
      socket.send(payload, 2, 10, b.address().port, '127.0.0.1');
    }
    const [ra, rb] = await Promise.all([gotA, gotB]);
    for (const r of [ra, rb]) {
      assert.deepEqual(
        r.map((m) => m.data.toString()),
        Array.from({ length: 50 }, (_, i) => `hello-${String(i).padStart(4, '0')}`),
      );
      assert.ok(r.every((m) => m.port === socket.port));
    }
  });

  it('runs of one destination socket go out in one sendmmsg', async () => {
    const socket = BatchUdpSocket.bind('IPv4', 0);
    const a = await dgramPeer('udp4', '127.0.0.1');
    open.push(socket, a);
    const got = collectDgram(a, 40);
    const before = ioLoop().stats.calls;
    for (let i = 0; i < 40; i++)
      socket.send(Buffer.from(`d${i}`), 0, 2 + String(i).length - 1, a.address().port, '127.0.0.1');
    await got;
    assert.equal(ioLoop().stats.calls - before, 1);
  });

  it('delivers every copy intact when one synchronous burst overflows the send queue several times', async () => {
    const socket = BatchUdpSocket.bind('IPv4', 0);
    const a = await dgramPeer('udp4', '127.0.0.1');
    open.push(socket, a);
    const expected: string[] = [];
    for (let i = 0; i < 300; i++) {
      expected.push(`burst-${i}`);
      if (i % 3 === 0) expected.push(`ch:burst-${i}`);
    }
    const got = collectDgram(a, expected.length);
    for (let i = 0; i < 300; i++) {
      const text = Buffer.from(`burst-${i}`);
      socket.send(text, 0, text.length, a.address().port, '127.0.0.1');
      if (i % 3 === 0) socket.sendChannelData(0x4000, text, 0, text.length, a.address().port, '127.0.0.1');
    }
    const decoded = (await got).map(({ data }) =>
      data[0] === 0x40 && data.readUInt16BE(2) === data.length - 4 ? `ch:${data.subarray(4)}` : data.toString(),
    );
    assert.deepEqual(decoded, expected);
  });

  it('echoes ChannelData built in place from the receive slot, and via a copy from elsewhere', async () => {
    const socket = BatchUdpSocket.bind('IPv4', 0);
    const peer = await dgramPeer('udp4', '127.0.0.1');
    open.push(socket, peer);
    socket.onDatagram((data, source) => {
      socket.sendChannelData(0x4001, data, 0, data.length, source.port, source.address);
      socket.sendChannelData(0x4002, Buffer.from(data), 0, data.length, source.port, source.address);
      // The same received datagram twice: the second must not rewrite the first's header.
      socket.sendChannelData(0x4003, data, 0, data.length, source.port, source.address);
    });
    const got = collectDgram(peer, 3);
    peer.send('abcde', socket.port, '127.0.0.1');
    const msgs = (await got).map((m) => m.data);
    assert.deepEqual(
      msgs.map((m) => [m.readUInt16BE(0), m.readUInt16BE(2), m.subarray(4).toString()]),
      [
        [0x4001, 5, 'abcde'],
        [0x4002, 5, 'abcde'],
        [0x4003, 5, 'abcde'],
      ],
    );
  });

  it('relays in place from several sockets of one wake-up: one sendmmsg per wake-up, every datagram intact', async () => {
    const out = BatchUdpSocket.bind('IPv4', 0);
    const sink = await dgramPeer('udp4', '127.0.0.1');
    const peer = await dgramPeer('udp4', '127.0.0.1');
    const relays = Array.from({ length: 6 }, () => BatchUdpSocket.bind('IPv4', 0, { address: '127.0.0.1' }));
    open.push(out, sink, peer, ...relays);
    for (const [r, relay] of relays.entries()) {
      relay.onDatagram((data) =>
        out.sendChannelData(0x4000 + r, data, 0, data.length, sink.address().port, '127.0.0.1'),
      );
    }
    const decode = (got: Array<{ data: Buffer }>) =>
      got.map(({ data }) => `${data.readUInt16BE(0) - 0x4000}:${data.subarray(4, 4 + data.readUInt16BE(2))}`).sort();

    // One datagram per socket: whatever the wake-ups, each ends with one sendmmsg to `out`.
    const loop = ioLoop();
    const calls = loop.stats.calls;
    const wakeups = loop.loopStats.wakeups;
    const first = collectDgram(sink, relays.length);
    for (const relay of relays) peer.send(`one-${relay.port}`, relay.port, '127.0.0.1');
    const got = await first;
    assert.deepEqual(decode(got), relays.map((r, i) => `${i}:one-${r.port}`).sort());
    assert.equal(loop.stats.calls - calls, loop.loopStats.wakeups - wakeups);

    // More datagrams than receive slots: the slots start over (after a flush) without losing any.
    const expected: string[] = [];
    const second = collectDgram(sink, relays.length * 10);
    for (let k = 0; k < 10; k++) {
      for (const [i, relay] of relays.entries()) {
        const text = `many-${k}-${relay.port}-${'x'.repeat(k * 7)}`;
        expected.push(`${i}:${text}`);
        peer.send(text, relay.port, '127.0.0.1');
      }
    }
    assert.deepEqual(decode(await second), expected.sort());
  });

  it('keeps sending the rest of a batch after one datagram is refused (partial sendmmsg)', async () => {
    const socket = BatchUdpSocket.bind('IPv4', 0);
    const a = await dgramPeer('udp4', '127.0.0.1');
    open.push(socket, a);
    const got = collectDgram(a, 2);
    const failed = ioLoop().stats.failed;
    socket.send(Buffer.from('first'), 0, 5, a.address().port, '127.0.0.1');
    // Too big for UDP over IPv4: EMSGSIZE after the first datagram went out.
    socket.send(Buffer.alloc(65_600), 0, 65_600, a.address().port, '127.0.0.1');
    socket.send(Buffer.from('third'), 0, 5, a.address().port, '127.0.0.1');
    const r = await got;
    assert.deepEqual(
      r.map((m) => m.data.toString()),
      ['first', 'third'],
    );
    assert.equal(ioLoop().stats.failed, failed + 1);
  });

  it('receives nothing and blocks nothing on an empty socket (EAGAIN)', async () => {
    const quiet = BatchUdpSocket.bind('IPv4', 0);
    const busy = BatchUdpSocket.bind('IPv4', 0);
    const peer = await dgramPeer('udp4', '127.0.0.1');
    open.push(quiet, busy, peer);
    let quietCount = 0;
    quiet.onDatagram(() => quietCount++);
    const got = collect(busy, 3);
    for (let i = 0; i < 3; i++) peer.send('x', busy.port, '127.0.0.1');
    await got;
    assert.equal(quietCount, 0);
  });

  it('is closed from its own handler mid-batch: the rest of the batch is not delivered, others keep working', async () => {
    const socket = BatchUdpSocket.bind('IPv4', 0);
    const other = BatchUdpSocket.bind('IPv4', 0);
    const peer = await dgramPeer('udp4', '127.0.0.1');
    open.push(other, peer);
    let seen = 0;
    socket.onDatagram(() => {
      seen++;
      socket.close();
    });
    const closedAfter = collect(other, 1);
    for (let i = 0; i < 10; i++) peer.send('x', socket.port, '127.0.0.1');
    // Loopback queues the burst before 'y'; one wake-up drains both sockets.
    peer.send('y', other.port, '127.0.0.1');
    await closedAfter;
    assert.equal(seen, 1);
    assert.equal(socket.closed, true);
    socket.send(Buffer.from('late'), 0, 4, peer.address().port, '127.0.0.1');
    socket.close();
  });

  it('serves IPv6 sources and destinations', async () => {
    const socket = BatchUdpSocket.bind('IPv6', 0);
    const peer = await dgramPeer('udp6', '::1');
    open.push(socket, peer);
    socket.onDatagram((data, source) => socket.send(data, 0, data.length, source.port, source.address));
    const got = collectDgram(peer, 2);
    peer.send('v6-a', socket.port, '::1');
    peer.send('v6-b', socket.port, '::1');
    const r = await got;
    assert.deepEqual(
      r.map((m) => m.data.toString()),
      ['v6-a', 'v6-b'],
    );
    assert.equal(r[0]!.port, socket.port);
  });

  it('refuses a taken port with EADDRINUSE, like dgram', async () => {
    const socket = BatchUdpSocket.bind('IPv4', 0);
    open.push(socket);
    assert.throws(() => BatchUdpSocket.bind('IPv4', socket.port), { code: 'EADDRINUSE' });
    // SO_REUSEPORT on both sockets shares the port.
    const a = BatchUdpSocket.bind('IPv4', 0, { reusePort: true });
    const b = BatchUdpSocket.bind('IPv4', a.port, { reusePort: true });
    open.push(a, b);
    assert.equal(a.port, b.port);
  });

  it('lets the process exit once every socket is closed (the poll handle is unreferenced)', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `
      import { BatchUdpSocket } from '@stunner/fastio';
      const s = BatchUdpSocket.bind('IPv4', 0);
      setTimeout(() => s.close(), 20);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 });
    assert.equal(r.status, 0, r.stderr.toString());
  });
});
