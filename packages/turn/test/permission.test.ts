import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Attr, Data, decodeStunMessage, MessageClass, Method, StunMessageBuilder, XorPeerAddress } from '@stunner/stun';
import { assertError, assertSuccess, harness, TestClient } from './harness.ts';

const PEER_A = { family: 'IPv4' as const, address: '203.0.113.5', port: 7000 };
const PEER_B = { family: 'IPv4' as const, address: '203.0.113.6', port: 7001 };

function sendIndication(peer: typeof PEER_A, payload: string): Buffer {
  return new StunMessageBuilder(Method.Send, MessageClass.Indication)
    .add(XorPeerAddress, peer)
    .add(Data, Buffer.from(payload))
    .build();
}

describe('CreatePermission (RFC 8656 §10) and Send/Data indications (§11)', () => {
  it('installs a permission for every XOR-PEER-ADDRESS of one request', () => {
    const h = harness();
    const created: string[] = [];
    h.engine.on('permission-created', (_a, ip) => created.push(ip));
    const c = new TestClient(h);
    assertSuccess(c.allocate());
    const res = c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A).add(XorPeerAddress, PEER_B));
    assertSuccess(res, c.key());
    assert.deepEqual(created, [PEER_A.address, PEER_B.address]);
    c.feed(sendIndication(PEER_A, 'to a'));
    c.feed(sendIndication(PEER_B, 'to b'));
    assert.deepEqual(
      h.sink.toPeer.map((p) => [p.address, p.port, p.payload.toString()]),
      [
        [PEER_A.address, PEER_A.port, 'to a'],
        [PEER_B.address, PEER_B.port, 'to b'],
      ],
    );
  });

  it('permits by IP only: any port of a permitted peer is reachable', () => {
    const h = harness();
    const c = new TestClient(h);
    c.allocate();
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A));
    c.feed(sendIndication({ ...PEER_A, port: 9999 }, 'x'));
    assert.equal(h.sink.toPeer[0]?.port, 9999);
  });

  it('answers 400 without XOR-PEER-ADDRESS and 437 without an allocation', () => {
    const h = harness();
    const c = new TestClient(h);
    assertError(
      c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A)),
      437,
    );
    c.allocate();
    assertError(c.request(Method.CreatePermission), 400);
  });

  it('drops Send indications to peers without a permission, and from clients without an allocation', () => {
    const h = harness();
    const c = new TestClient(h);
    assert.deepEqual(c.feed(sendIndication(PEER_A, 'x')), []);
    c.allocate();
    assert.deepEqual(c.feed(sendIndication(PEER_A, 'x')), []);
    assert.equal(h.sink.toPeer.length, 0);
    assert.equal(h.engine.stats.droppedPackets, 1);
  });

  it('drops Send indications with an unknown comprehension-required attribute', () => {
    const h = harness();
    const c = new TestClient(h);
    c.allocate();
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A));
    const bad = new StunMessageBuilder(Method.Send, MessageClass.Indication)
      .add(XorPeerAddress, PEER_A)
      .add(Data, Buffer.from('x'))
      .addRaw(0x0031, Buffer.alloc(4))
      .build();
    c.feed(bad);
    assert.equal(h.sink.toPeer.length, 0);
  });

  it('relays peer datagrams as Data indications when permitted, drops them otherwise', () => {
    const h = harness();
    const c = new TestClient(h);
    c.allocate();
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A));
    const relayId = h.sink.opened[0]!.id;
    const before = h.sink.toClient.length;
    h.engine.handleRelay(relayId, Buffer.from('from a'), PEER_A.address, 1234, h.clock.now);
    h.engine.handleRelay(relayId, Buffer.from('from b'), PEER_B.address, PEER_B.port, h.clock.now);
    const out = h.sink.toClient.slice(before);
    assert.equal(out.length, 1);
    const ind = decodeStunMessage(out[0]!.message);
    assert.equal(ind.method, Method.Data);
    assert.equal(ind.messageClass, MessageClass.Indication);
    assert.deepEqual(ind.get(XorPeerAddress), { family: 'IPv4', address: PEER_A.address, port: 1234 });
    assert.equal(ind.get(Data)?.toString(), 'from a');
    assert.equal(ind.has(Attr.MessageIntegrity), false);
  });

  it('drops a peer datagram too large for a Data indication instead of throwing', () => {
    const h = harness();
    const c = new TestClient(h);
    c.allocate();
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A));
    const relayId = h.sink.opened[0]!.id;
    const before = h.sink.toClient.length;
    h.engine.handleRelay(relayId, Buffer.alloc(65507), PEER_A.address, PEER_A.port, h.clock.now);
    assert.equal(h.sink.toClient.length, before);
    h.engine.handleRelay(relayId, Buffer.alloc(65504), PEER_A.address, PEER_A.port, h.clock.now);
    assert.equal(h.sink.toClient.length, before + 1, 'the largest that fits goes out');
    assert.equal(decodeStunMessage(h.sink.toClient.at(-1)!.message).get(Data)?.length, 65504);
  });

  it('expires permissions after 300 s unless refreshed', () => {
    const h = harness();
    const expired: string[] = [];
    h.engine.on('permission-expired', (_a, ip) => expired.push(ip));
    const c = new TestClient(h);
    c.allocate();
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A).add(XorPeerAddress, PEER_B));
    h.advance(200_000);
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A)); // refresh A only
    h.advance(100_000); // t = 300 s: B expires
    assert.deepEqual(expired, [PEER_B.address]);
    c.feed(sendIndication(PEER_B, 'late'));
    c.feed(sendIndication(PEER_A, 'fresh'));
    assert.deepEqual(
      h.sink.toPeer.map((p) => p.payload.toString()),
      ['fresh'],
    );
    h.advance(200_000); // t = 500 s: A (refreshed at 200 s) expires
    assert.deepEqual(expired, [PEER_B.address, PEER_A.address]);
    const relayId = h.sink.opened[0]!.id;
    const before = h.sink.toClient.length;
    h.engine.handleRelay(relayId, Buffer.from('x'), PEER_A.address, PEER_A.port, h.clock.now);
    assert.equal(h.sink.toClient.length, before);
  });

  it('checks permission expiry per packet even before the timer runs', () => {
    const h = harness();
    const c = new TestClient(h);
    c.allocate();
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A));
    h.clock.now += 300_000; // no handleTimeout
    c.feed(sendIndication(PEER_A, 'x'));
    assert.equal(h.sink.toPeer.length, 0);
  });

  it('refuses a peer the admission hook denies with 403, installing none of the request', () => {
    const h = harness({ admitPeer: (ip) => ip !== PEER_B.address });
    const c = new TestClient(h);
    c.allocate();
    assertError(
      c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A).add(XorPeerAddress, PEER_B)),
      403,
    );
    c.feed(sendIndication(PEER_A, 'x'));
    assert.equal(h.sink.toPeer.length, 0, 'A was not installed either');
  });

  it('consults the admission hook for every datagram in both directions', () => {
    let open = true;
    const calls: string[] = [];
    const h = harness({
      admitPeer: (ip, port) => {
        calls.push(`${ip}:${port}`);
        return open;
      },
    });
    const c = new TestClient(h);
    c.allocate();
    c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A));
    assert.deepEqual(calls, [`${PEER_A.address}:0`], 'CreatePermission asks with port 0');
    open = false; // e.g. the route was removed
    c.feed(sendIndication(PEER_A, 'x'));
    const relayId = h.sink.opened[0]!.id;
    h.engine.handleRelay(relayId, Buffer.from('y'), PEER_A.address, 7000, h.clock.now);
    assert.equal(h.sink.toPeer.length, 0);
    assert.deepEqual(calls.slice(1), [`${PEER_A.address}:${PEER_A.port}`, `${PEER_A.address}:7000`]);
    open = true;
    c.feed(sendIndication(PEER_A, 'x'));
    assert.equal(h.sink.toPeer.length, 1);
  });

  it('answers 508 beyond maxPermissions', () => {
    const h = harness({ maxPermissions: 2 });
    const c = new TestClient(h);
    c.allocate();
    assertSuccess(c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A).add(XorPeerAddress, PEER_B)));
    // A refresh installs nothing new.
    assertSuccess(c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A)));
    assertError(
      c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, { ...PEER_A, address: '203.0.113.9' })),
      508,
    );
  });

  it('counts a peer repeated in one request once against maxPermissions', () => {
    const h = harness({ maxPermissions: 1 });
    const c = new TestClient(h);
    c.allocate();
    const res = c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER_A).add(XorPeerAddress, PEER_A));
    assertSuccess(res);
  });
});
