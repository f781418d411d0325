import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChannelNumber, encodeChannelData, Method, XorPeerAddress } from '@stunner/stun';
import { assertSuccess, harness, TestClient } from './harness.ts';

const LIMIT = 100_000;
const PEER = { family: 'IPv4' as const, address: '203.0.113.5', port: 7000 };

/** An allocation with a channel to PEER; returns its client and relay id. */
function allocation(h: ReturnType<typeof harness>, address: string) {
  const c = new TestClient(h, { address });
  assertSuccess(c.allocate());
  const relayId = h.sink.opened.at(-1)!.id;
  assertSuccess(c.request(Method.ChannelBind, (b) => b.add(ChannelNumber, 0x4000).add(XorPeerAddress, PEER)));
  return { c, relayId };
}

/** Bytes the peer got from `relayId`. */
const toPeer = (h: ReturnType<typeof harness>, relayId: number) =>
  h.sink.toPeer.filter((p) => p.relayId === relayId).reduce((n, p) => n + p.payload.length, 0);

describe('bandwidth limit per allocation (token bucket, each way)', () => {
  it('holds a flood client → peer within 10 % of the rate and leaves another allocation alone', () => {
    const h = harness({ bandwidthLimit: LIMIT });
    const flood = allocation(h, '198.51.100.1');
    const calm = allocation(h, '198.51.100.2');
    const big = encodeChannelData(0x4000, Buffer.alloc(1000, 1));
    const small = encodeChannelData(0x4000, Buffer.alloc(200, 2));
    const seconds = 10;
    let sent = 0;
    let calmSent = 0;
    // 10 s of engine time: the flood offers 1 MB/s (10× the limit), the calm one 40 kB/s.
    for (let ms = 0; ms < seconds * 1000; ms++) {
      h.engine.handleClient(big, flood.c.endpoint, h.clock.now);
      sent += 1000;
      if (ms % 5 === 0) {
        h.engine.handleClient(small, calm.c.endpoint, h.clock.now);
        calmSent += 200;
      }
      h.clock.now += 1;
    }
    const rate = toPeer(h, flood.relayId) / seconds;
    assert.ok(Math.abs(rate - LIMIT) <= LIMIT * 0.1, `flood relayed at ${rate} B/s, limit ${LIMIT}`);
    assert.equal(toPeer(h, calm.relayId), calmSent, 'the other allocation under its limit loses nothing');
    assert.equal(h.engine.stats.bandwidthDroppedToPeerBytes, sent - toPeer(h, flood.relayId));
    assert.equal(h.engine.stats.bandwidthDroppedToPeerPackets, (sent - toPeer(h, flood.relayId)) / 1000);
  });

  it('holds a flood peer → client within 10 % and counts what it drops', () => {
    const h = harness({ bandwidthLimit: LIMIT });
    const a = allocation(h, '198.51.100.3');
    const payload = Buffer.alloc(500, 3);
    let relayed = 0;
    let offered = 0;
    for (let ms = 0; ms < 10_000; ms++) {
      for (let i = 0; i < 2; i++) {
        offered += 500;
        if (h.engine.handleRelay(a.relayId, payload, PEER.address, PEER.port, h.clock.now)) relayed += 500;
      }
      h.clock.now += 1;
    }
    const rate = relayed / 10;
    assert.ok(Math.abs(rate - LIMIT) <= LIMIT * 0.1, `relayed at ${rate} B/s`);
    assert.equal(h.engine.stats.bandwidthDroppedToClientBytes, offered - relayed);
    assert.equal(
      h.sink.channelData.reduce((n, d) => n + d.payload.length, 0),
      relayed,
    );
  });

  it('limits each direction on its own, and changes in place', () => {
    const h = harness({ bandwidthLimit: 10_000, bandwidthBurst: 10_000 });
    const a = allocation(h, '198.51.100.4');
    const chunk = encodeChannelData(0x4000, Buffer.alloc(5000));
    for (let i = 0; i < 3; i++) h.engine.handleClient(chunk, a.c.endpoint, h.clock.now);
    assert.equal(toPeer(h, a.relayId), 10_000, 'the burst, then nothing');
    assert.equal(h.engine.handleRelay(a.relayId, Buffer.alloc(5000), PEER.address, PEER.port, h.clock.now), true);
    h.engine.setBandwidthLimit(0);
    for (let i = 0; i < 3; i++) h.engine.handleClient(chunk, a.c.endpoint, h.clock.now);
    assert.equal(toPeer(h, a.relayId), 25_000, 'no limit any more');
  });

  it('applies to Send indications too', () => {
    const h = harness({ bandwidthLimit: 10_000, bandwidthBurst: 10_000 });
    const c = new TestClient(h, { address: '198.51.100.5' });
    assertSuccess(c.allocate());
    assertSuccess(c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER)));
    const send = c.build(Method.Send, (b) => b.add(XorPeerAddress, PEER).addRaw(0x0013, Buffer.alloc(6000)), {
      auth: false,
    });
    const indication = Buffer.from(send);
    indication.writeUInt16BE(0x0016, 0);
    h.engine.handleClient(indication, c.endpoint, h.clock.now);
    h.engine.handleClient(indication, c.endpoint, h.clock.now);
    assert.equal(h.sink.toPeer.length, 1);
    assert.equal(h.engine.stats.bandwidthDroppedToPeerBytes, 6000);
  });
});
