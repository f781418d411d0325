import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConnectionId,
  decodeStunMessage,
  EvenPort,
  MessageClass,
  Method,
  RequestedTransport,
  TransportProtocol,
  XorPeerAddress,
} from '@stunner/stun';
import { assertError, assertSuccess, harness, TestClient } from './harness.ts';

const PEER = { family: 'IPv4' as const, address: '203.0.113.5', port: 8080 };

function tcpAllocation(options: Parameters<typeof harness>[0] = {}) {
  const h = harness({ tcpRelays: true, ...options });
  const c = new TestClient(h, { transport: 'tcp', address: '198.51.100.9' });
  const res = c.request(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.TCP));
  assertSuccess(res, c.key());
  const relayId = h.sink.opened.at(-1)!.id;
  const connect = (peer = PEER) => c.request(Method.Connect, (b) => b.add(XorPeerAddress, peer));
  /** ConnectionBind on a new TCP connection from the client, with the same credentials. */
  const bind = (id: number) => {
    const data = new TestClient(h, { transport: 'tcp', address: '198.51.100.9' });
    data.nonce = c.nonce;
    data.realm = c.realm;
    return { data, res: data.request(Method.ConnectionBind, (b) => b.add(ConnectionId, id)) };
  };
  return { h, c, relayId, connect, bind };
}

describe('RFC 6062 TCP allocations', () => {
  it('refuses TCP allocations with 442 unless enabled, and over UDP or with EVEN-PORT with 400', () => {
    const off = harness();
    const tcp = (h: ReturnType<typeof harness>, c = new TestClient(h, { transport: 'tcp' })) =>
      c.request(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.TCP));
    assertError(tcp(off), 442);
    const on = harness({ tcpRelays: true });
    assertError(tcp(on, new TestClient(on)), 400);
    const c = new TestClient(on, { transport: 'tls' });
    assertError(
      c.request(Method.Allocate, (b) =>
        b.add(RequestedTransport, TransportProtocol.TCP).add(EvenPort, { reserve: false }),
      ),
      400,
    );
    assertSuccess(tcp(on, c));
    assert.equal(on.sink.opened.at(-1)!.transport, 'tcp');
  });

  it('connects to a peer, answers Connect with the CONNECTION-ID, and binds a data connection', () => {
    const { h, relayId, connect, bind } = tcpAllocation();
    // The Connect is answered only once the adapter reports the connection.
    assert.throws(() => connect(), /expected one response, got 0/);
    const req = h.sink.connects.at(-1)!;
    assert.deepEqual(
      { relayId: req.relayId, address: req.address, port: req.port },
      { relayId, address: PEER.address, port: PEER.port },
    );
    h.engine.peerConnected(req.connectionId, h.clock.now);
    const res = decodeStunMessage(h.sink.toClient.at(-1)!.message);
    assertSuccess(res);
    assert.equal(res.method, Method.Connect);
    assert.equal(res.get(ConnectionId), req.connectionId);
    const { data, res: bound } = bind(req.connectionId);
    assertSuccess(bound);
    assert.deepEqual(h.sink.boundData, [{ connectionId: req.connectionId, client: data.endpoint }]);
    // Bound once: a second ConnectionBind for it is refused.
    assertError(bind(req.connectionId).res, 400);
  });

  it('answers 446 for a second connection to the same peer, 403 for a refused peer, 508 beyond the cap', () => {
    const { h, connect } = tcpAllocation({
      maxConnectionsPerAllocation: 2,
      admitPeer: (address) => address !== '203.0.113.66',
    });
    assert.throws(() => connect());
    assertError(connect(), 446);
    assertError(connect({ ...PEER, address: '203.0.113.66' }), 403);
    assert.throws(() => connect({ ...PEER, port: 8081 }));
    assertError(connect({ ...PEER, port: 8082 }), 508);
    assert.equal(h.sink.connects.length, 2);
  });

  it('answers 447 when the connection fails or times out, and gives up unbound connections after 30 s', () => {
    const { h, c, connect, bind } = tcpAllocation({ connectTimeout: 5 });
    assert.throws(() => connect());
    const failed = h.sink.connects.at(-1)!.connectionId;
    h.engine.peerConnectFailed(failed, h.clock.now);
    assertError(decodeStunMessage(h.sink.toClient.at(-1)!.message), 447);
    assert.throws(() => connect());
    const slow = h.sink.connects.at(-1)!.connectionId;
    h.advance(5_000);
    const timedOut = decodeStunMessage(h.sink.toClient.at(-1)!.message);
    assertError(timedOut, 447);
    assert.deepEqual(h.sink.closedConnections, [slow]);
    assert.throws(() => c.request(Method.Connect, (b) => b.add(XorPeerAddress, { ...PEER, port: 9000 })));
    const late = h.sink.connects.at(-1)!.connectionId;
    h.engine.peerConnected(late, h.clock.now);
    h.advance(30_000);
    assert.deepEqual(h.sink.closedConnections, [slow, late]);
    assertError(bind(late).res, 400);
  });

  it('announces a peer that connects with a permission in a ConnectionAttempt, and refuses others', () => {
    const { h, c, relayId, bind } = tcpAllocation();
    assert.equal(h.engine.peerConnection(relayId, PEER.address, 4000, h.clock.now), undefined, 'no permission');
    assertSuccess(c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, PEER)));
    const id = h.engine.peerConnection(relayId, PEER.address, 4000, h.clock.now);
    assert.ok(id !== undefined);
    const attempt = decodeStunMessage(h.sink.toClient.at(-1)!.message);
    assert.equal(attempt.method, Method.ConnectionAttempt);
    assert.equal(attempt.messageClass, MessageClass.Indication);
    assert.equal(attempt.get(ConnectionId), id);
    assert.deepEqual(attempt.get(XorPeerAddress), { ...PEER, port: 4000 });
    assertSuccess(bind(id).res);
  });

  it('forgets the connections of an allocation that ends, and refuses channels on it', () => {
    const { h, c, relayId, connect } = tcpAllocation();
    assertError(
      c.request(Method.ChannelBind, (b) => b.add(XorPeerAddress, PEER).addRaw(0x000c, Buffer.from([0x40, 0, 0, 0]))),
      400,
    );
    assert.throws(() => connect());
    h.engine.peerConnected(h.sink.connects.at(-1)!.connectionId, h.clock.now);
    assertSuccess(c.request(Method.Refresh, (b) => b.addRaw(0x000d, Buffer.from([0, 0, 0, 0]))));
    assert.deepEqual(h.sink.closed, [relayId]);
    assert.equal(h.engine.peerConnection(relayId, PEER.address, 1, h.clock.now), undefined);
  });
});
