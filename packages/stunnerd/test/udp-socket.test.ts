import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { bindUdp, ipLiteralLookup } from '@stunner/stunnerd';

describe('UDP sockets (sockets/udp-socket)', () => {
  it('resolves IP literals synchronously, other names through dns.lookup', async () => {
    const seen: Array<[string, number]> = [];
    ipLiteralLookup('127.0.0.1', 4, (err, address, family) => {
      assert.equal(err, null);
      seen.push([address, family]);
    });
    ipLiteralLookup('::1', 6, (_err, address, family) => seen.push([address, family]));
    // Both answered before this line: no tick in between.
    assert.deepEqual(seen, [
      ['127.0.0.1', 4],
      ['::1', 6],
    ]);
    const [address, family] = await new Promise<[string, number]>((resolve, reject) =>
      ipLiteralLookup('localhost', 4, (err, a, f) => (err ? reject(err) : resolve([a, f]))),
    );
    assert.equal(family, 4);
    assert.match(address, /^127\./);
  });

  it('sends to an IP literal from a bound socket', async (t) => {
    const sink = createSocket('udp4');
    await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
    const socket = await bindUdp('IPv4', 0);
    t.after(() => {
      sink.close();
      socket.close();
    });
    const received = once(sink, 'message');
    socket.send(Buffer.from('ping-pong'), 5, 4, sink.address().port, '127.0.0.1');
    const [msg, rinfo] = (await received) as [Buffer, { port: number }];
    assert.equal(msg.toString(), 'pong');
    assert.equal(rinfo.port, socket.address().port);
  });
});
