import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { TurnClient } from '@stunner/client';
import { ClusterAdmission, PeerFilter, type PeerFilterOptions, UdpTurnListener } from '@stunner/stunnerd';

/** A PeerFilter that counts its lookups. */
class CountingFilter extends PeerFilter {
  lookups = 0;
  override admitIndex(address: string, port: number): number {
    this.lookups++;
    return super.admitIndex(address, port);
  }
}

const peers = (...clusters: Array<[string, string]>): PeerFilterOptions => ({
  clusters: clusters.map(([name, endpoint]) => ({ name, type: 'STATIC', endpoints: [endpoint] })),
});

describe('ClusterAdmission', () => {
  it('charges each relayed datagram to the cluster its admission found, with one lookup per datagram', () => {
    const filter = new CountingFilter(peers(['a', '10.0.0.0/24'], ['b', '10.0.1.0/24']));
    const admission = new ClusterAdmission(filter);
    assert.equal(admission.admit('10.0.0.5', 1000), true);
    admission.count(100, 'tx');
    assert.equal(admission.admit('10.0.1.5', 1000), true);
    admission.count(50, 'rx');
    assert.equal(admission.admit('10.0.1.6', 1000), true);
    admission.count(30, 'rx');
    assert.equal(filter.lookups, 3);
    assert.deepEqual(admission.snapshot(), {
      a: { rx: { packets: 0, bytes: 0 }, tx: { packets: 1, bytes: 100 } },
      b: { rx: { packets: 2, bytes: 80 }, tx: { packets: 0, bytes: 0 } },
    });
  });

  it('charges nothing after a refusal, or twice for one admission', () => {
    const admission = new ClusterAdmission(new PeerFilter(peers(['a', '10.0.0.0/24'])));
    assert.equal(admission.admit('192.168.0.1', 1000), false);
    admission.count(10, 'tx');
    assert.equal(admission.admit('10.0.0.1', 1000), true);
    admission.count(10, 'tx');
    admission.count(10, 'tx');
    assert.deepEqual(admission.snapshot(), { a: { rx: { packets: 0, bytes: 0 }, tx: { packets: 1, bytes: 10 } } });
  });

  it('keeps the totals across a new filter whose cluster order differs', () => {
    const admission = new ClusterAdmission(new PeerFilter(peers(['a', '10.0.0.0/24'], ['b', '10.0.1.0/24'])));
    admission.admit('10.0.1.1', 1);
    admission.count(10, 'rx');
    admission.setFilter(new PeerFilter(peers(['b', '10.0.1.0/24'], ['c', '10.0.2.0/24'])));
    admission.admit('10.0.1.1', 1);
    admission.count(20, 'rx');
    admission.admit('10.0.2.1', 1);
    admission.count(5, 'tx');
    assert.deepEqual(admission.snapshot(), {
      b: { rx: { packets: 2, bytes: 30 }, tx: { packets: 0, bytes: 0 } },
      c: { rx: { packets: 0, bytes: 0 }, tx: { packets: 1, bytes: 5 } },
    });
  });

  it('looks each relayed packet up once on a TURN-UDP listener, both ways', async (t) => {
    const echo = createSocket('udp4');
    echo.on('message', (m, r) => echo.send(m, r.port, r.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    t.after(() => echo.close());
    const filter = new CountingFilter(peers(['media', '127.0.0.1/32']));
    const admission = new ClusterAdmission(filter);
    const listener = new UdpTurnListener({
      port: 0,
      relayAddress: '127.0.0.1',
      ipv6: false,
      auth: { type: 'static', realm: 'test', username: 'user', password: 'pass' },
      admitPeer: admission.admit,
      countPeerTraffic: admission.count,
    });
    const [bound] = await listener.start();
    t.after(() => listener.close());
    const client = new TurnClient({
      host: '127.0.0.1',
      port: bound!.port,
      transport: 'udp',
      username: 'user',
      password: 'pass',
    });
    t.after(() => client.close());
    await client.allocate();
    const peer = { family: 'IPv4' as const, address: '127.0.0.1', port: echo.address().port };
    await client.bindChannel(peer);

    const before = filter.lookups;
    const packets = 5;
    for (let i = 0; i < packets; i++) {
      const got = once(client, 'data', { signal: AbortSignal.timeout(5000) });
      client.send(peer, Buffer.from(`packet-${i}`));
      assert.equal(((await got) as [Buffer])[0].toString(), `packet-${i}`);
    }
    assert.equal(filter.lookups - before, 2 * packets, 'one filter lookup per relayed packet, to the peer and back');
    const media = admission.snapshot().media!;
    assert.equal(media.tx.packets, packets);
    assert.equal(media.rx.packets, packets);
    assert.equal(media.tx.bytes, media.rx.bytes);
  });
});
