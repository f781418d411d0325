import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { PeerFilter, UdpTurnListener } from '@stunner/stunnerd';
import { createTurnClient } from 'werift-ice';

describe('TURN-UDP listener with the werift-ice TURN client', () => {
  it('allocates, binds a channel and echoes through a UDP peer', async (t) => {
    const peer = createSocket('udp4');
    peer.on('message', (msg, rinfo) => peer.send(msg, rinfo.port, rinfo.address));
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
    const peerPort = peer.address().port;
    t.after(() => peer.close());

    const filter = new PeerFilter({ clusters: [{ name: 'echo', type: 'STATIC', endpoints: ['127.0.0.1/32'] }] });
    const listener = new UdpTurnListener({
      port: 0,
      relayAddress: '127.0.0.1',
      ipv6: false,
      auth: { type: 'static', realm: 'stunner.l7mp.io', username: 'user', password: 'pass' },
      admitPeer: (address, port) => filter.admit(address, port),
    });
    const [bound] = await listener.start();
    t.after(() => listener.close());
    const channels: number[] = [];
    listener.engine.on('channel-bound', (_a, channel) => channels.push(channel));

    // werift-ice 0.2.3 sleeps until its next Refresh with an uncancellable timers/promises setTimeout
    // that outlives close(); mocked timeouts let this file exit (retransmits are not needed on loopback).
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const turn = await createTurnClient(
      { address: ['127.0.0.1', bound!.port], username: 'user', password: 'pass' },
      { transport: 'udp' },
    );
    t.after(() => turn.close());
    assert.equal(turn.relayedAddress[0], '127.0.0.1');
    assert.equal(turn.mappedAddress[0], '127.0.0.1');

    const echoed = new Promise<[Buffer, readonly [string, number]]>((resolve) => {
      turn.onData.subscribe((data, from) => resolve([data, from]));
    });
    await turn.sendData(Buffer.from('hello through stunnerd'), ['127.0.0.1', peerPort]);
    const [data, from] = await Promise.race([
      echoed,
      once(AbortSignal.timeout(5000), 'abort').then((): never => {
        throw new Error('no echo within 5 s');
      }),
    ]);
    assert.equal(data.toString(), 'hello through stunnerd');
    assert.deepEqual([...from], ['127.0.0.1', peerPort]);
    assert.equal(channels.length, 1, 'werift relays over a channel');
    const [alloc] = [...listener.engine.allocations()];
    assert.equal(alloc?.stats.toPeerPackets, 1);
    assert.equal(alloc?.stats.toClientPackets, 1);
  });
});
