import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Attr,
  DontFragment,
  decodeStunMessage,
  Lifetime,
  MessageClass,
  Method,
  RequestedTransport,
  Software,
  TransportProtocol,
  UnknownAttributes,
  verifyMessageIntegrity,
  XorMappedAddress,
  XorRelayedAddress,
} from '@stunner/stun';
import type { AllocationInfo } from '@stunner/turn';
import { assertError, assertSuccess, harness, RELAY_V4, TestClient } from './harness.ts';

describe('Allocate (RFC 8656 §7.2)', () => {
  it('binds a UDP relay and answers with relayed, mapped address, lifetime and integrity', () => {
    const h = harness();
    const created: AllocationInfo[] = [];
    h.engine.on('allocation-created', (a) => created.push(a));
    const c = new TestClient(h, { address: '198.51.100.7', port: 5555 });
    const res = c.allocate();
    assertSuccess(res, c.key());
    assert.equal(h.sink.opened.length, 1);
    assert.deepEqual(h.sink.opened[0]!.families, ['IPv4']);
    assert.equal(h.sink.opened[0]!.evenPort, false);
    assert.equal(h.sink.opened[0]!.reserveId, undefined);
    assert.deepEqual(res.get(XorRelayedAddress), { family: 'IPv4', address: RELAY_V4, port: 50000 });
    assert.deepEqual(res.get(XorMappedAddress), { family: 'IPv4', address: '198.51.100.7', port: 5555 });
    assert.equal(res.get(Lifetime), 600);
    assert.equal(res.has(Attr.Software), false);
    assert.equal(h.engine.allocationCount, 1);
    assert.equal(created.length, 1);
    assert.equal(created[0]!.username, 'user-1');
  });

  it('adds SOFTWARE to authenticated responses when configured', () => {
    const h = harness({ software: 'stunner-ts 0.1' });
    const res = new TestClient(h).allocate();
    assert.equal(res.get(Software), 'stunner-ts 0.1');
  });

  it('seals every authenticated answer alike: handler error, relay opened, relay failed (SOFTWARE, integrity, FINGERPRINT, cached)', () => {
    const h = harness({ software: 'stunner-ts 0.1' });
    h.sink.autoBind = false;
    const c = new TestClient(h);
    c.handshake();
    const check = (req: Buffer, answer: Buffer, cls: number) => {
      const res = decodeStunMessage(answer);
      assert.equal(res.messageClass, cls);
      assert.equal(res.get(Software), 'stunner-ts 0.1');
      assert.ok(verifyMessageIntegrity(res, c.key()), 'MESSAGE-INTEGRITY with the request key');
      assert.ok(res.fingerprintOffset > 0, 'FINGERPRINT mirrored');
      h.clock.now += 1000;
      assert.ok(c.feed(req)[0]!.equals(answer), 'a retransmit gets the same bytes');
    };
    // An error from a handler (REQUESTED-TRANSPORT TCP → 442).
    const tcp = c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.TCP), {
      fingerprint: true,
    });
    check(tcp, c.feed(tcp)[0]!, MessageClass.ErrorResponse);
    // The adapter fails the relay later: 508 from relayFailed.
    const failing = c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP), {
      fingerprint: true,
    });
    assert.deepEqual(c.feed(failing), []);
    h.engine.relayFailed(h.sink.opened[0]!.id, 508, h.clock.now);
    check(failing, h.sink.toClient.at(-1)!.message, MessageClass.ErrorResponse);
    // The adapter binds the relay later: success from relayOpened.
    const opening = c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP), {
      fingerprint: true,
    });
    assert.deepEqual(c.feed(opening), []);
    const request = h.sink.opened[1]!;
    h.engine.relayOpened(request.id, h.sink.bind(request), h.clock.now);
    check(opening, h.sink.toClient.at(-1)!.message, MessageClass.SuccessResponse);
  });

  it('mirrors FINGERPRINT on authenticated responses', () => {
    const h = harness();
    const res = new TestClient(h).allocate(undefined, { fingerprint: true });
    assert.ok(res.fingerprintOffset > 0);
  });

  it('answers REQUESTED-TRANSPORT TCP with 442 and a missing one with 400', () => {
    const h = harness();
    const c = new TestClient(h);
    assertError(
      c.request(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.TCP)),
      442,
    );
    assertError(
      c.request(Method.Allocate, (b) => b.add(Lifetime, 600)),
      400,
    );
    assert.equal(h.sink.opened.length, 0);
  });

  it('answers a malformed attribute value with 400', () => {
    const h = harness();
    const c = new TestClient(h);
    const res = c.request(Method.Allocate, (b) => b.addRaw(Attr.RequestedTransport, Buffer.from([17])));
    assertError(res, 400);
  });

  it('answers an unknown comprehension-required attribute with 420 after authentication', () => {
    const h = harness();
    const c = new TestClient(h);
    // Unauthenticated: the 401 comes first (no information for unauthenticated senders).
    c.handshake();
    const res = c.allocate((b) => b.addRaw(0x0031, Buffer.alloc(4)));
    assertError(res, 420);
    assert.deepEqual(res.get(UnknownAttributes), [0x0031]);
    assert.ok(res.integrityOffset > 0, 'authenticated error carries MESSAGE-INTEGRITY');
    assert.equal(h.engine.allocationCount, 0);
  });

  it('uses the first of duplicate attributes (RFC 8489 §14)', () => {
    const h = harness();
    const res = new TestClient(h).allocate((b) => b.add(Lifetime, 1200).add(Lifetime, 3000));
    assert.equal(res.get(Lifetime), 1200);
  });

  it('reports refused requests with their code for abuse counters', () => {
    const h = harness();
    const refused: number[] = [];
    h.engine.on('request-refused', (_c, method, code) => refused.push(method, code));
    const c = new TestClient(h);
    c.allocate();
    c.allocate();
    assert.deepEqual(refused, [Method.Allocate, 401, Method.Allocate, 437]);
  });

  it('accepts DONT-FRAGMENT', () => {
    const h = harness();
    assertSuccess(new TestClient(h).allocate((b) => b.add(DontFragment, true)));
  });

  it('asks the adapter to set DF for DONT-FRAGMENT (RFC 8656 §14.8)', () => {
    const h = harness();
    assertSuccess(new TestClient(h).allocate((b) => b.add(DontFragment, true)));
    assertSuccess(new TestClient(h).allocate());
    assert.deepEqual(
      h.sink.opened.map((r) => r.dontFragment),
      [true, false],
    );
  });

  it('answers DONT-FRAGMENT with 420 naming it when the adapter cannot set DF (RFC 8656 §7.2)', () => {
    const h = harness({ dontFragment: false });
    const c = new TestClient(h);
    const res = c.allocate((b) => b.add(DontFragment, true));
    assertError(res, 420);
    assert.deepEqual(res.get(UnknownAttributes), [Attr.DontFragment]);
    assert.equal(h.sink.opened.length, 0);
    assertSuccess(c.allocate(), c.key());
  });

  it('answers a second Allocate on the same 5-tuple with 437', () => {
    const h = harness();
    const c = new TestClient(h);
    assertSuccess(c.allocate());
    assertError(c.allocate(), 437);
    assert.equal(h.sink.opened.length, 1);
  });

  it('answers a retransmitted Allocate with the identical response and binds once', () => {
    const h = harness();
    const c = new TestClient(h);
    c.handshake();
    const req = c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP));
    const [first] = c.feed(req);
    h.clock.now += 1500;
    const [again] = c.feed(req);
    assert.ok(first && again);
    assert.ok(first.equals(again), 'byte-identical');
    assert.equal(decodeStunMessage(again).messageClass, MessageClass.SuccessResponse);
    assert.equal(h.sink.opened.length, 1);
  });

  it('forgets cached responses after the cache lifetime', () => {
    const h = harness({ transactionCacheTtl: 40_000 });
    const c = new TestClient(h);
    c.handshake();
    const req = c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP));
    c.feed(req);
    h.advance(40_001);
    const [late] = c.feed(req);
    assertError(decodeStunMessage(late!), 437);
  });

  it('bounds the transaction cache', () => {
    const h = harness({ transactionCacheSize: 2 });
    const c = new TestClient(h);
    c.handshake();
    const first = c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP));
    c.feed(first);
    c.request(Method.Refresh);
    c.request(Method.Refresh);
    // The Allocate's response was evicted: the retransmit now meets the existing allocation.
    assertError(decodeStunMessage(c.feed(first)[0]!), 437);
  });

  it('drops a retransmit while the relay is being bound, then answers once bound', () => {
    const h = harness();
    h.sink.autoBind = false;
    const c = new TestClient(h);
    c.handshake();
    const req = c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP));
    assert.deepEqual(c.feed(req), []);
    assert.deepEqual(c.feed(req), [], 'retransmit while pending is dropped');
    // Another transaction on the same 5-tuple meanwhile → 437.
    assertError(c.allocate(), 437);
    const request = h.sink.opened[0]!;
    h.engine.relayOpened(request.id, h.sink.bind(request), h.clock.now);
    const last = h.sink.toClient.at(-1)!;
    assert.equal(last.client, c.endpoint);
    const res = decodeStunMessage(last.message);
    assertSuccess(res, c.key());
    assert.ok(res.transactionId.equals(req.subarray(8, 20)));
    assert.ok(c.feed(req)[0]!.equals(last.message), 'a later retransmit gets the same bytes');
  });

  it('answers 508 when the adapter cannot bind a relay, and keeps nothing', () => {
    const h = harness();
    h.sink.autoBind = () => 508;
    const c = new TestClient(h);
    const res = c.allocate();
    assertError(res, 508);
    assert.ok(res.integrityOffset > 0);
    assert.equal(h.engine.allocationCount, 0);
    h.sink.autoBind = true;
    assertSuccess(c.allocate());
  });

  it('closes a relay that is bound after its client went away', () => {
    const h = harness();
    h.sink.autoBind = false;
    const c = new TestClient(h);
    c.handshake();
    c.feed(c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP)));
    h.engine.clientClosed(c.endpoint);
    const request = h.sink.opened[0]!;
    h.engine.relayOpened(request.id, h.sink.bind(request), h.clock.now);
    assert.deepEqual(h.sink.closed, [request.id]);
    assert.equal(h.engine.allocationCount, 0);
  });

  it('gives up on a relay request the adapter never answers after the lifetime', () => {
    const h = harness();
    h.sink.autoBind = false;
    const c = new TestClient(h);
    c.handshake();
    c.feed(c.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP)));
    const stuck = h.sink.opened[0]!;
    h.advance(600_000);
    assert.equal(h.engine.allocationCount, 0);
    h.sink.autoBind = true;
    assertSuccess(c.allocate());
    h.engine.relayOpened(stuck.id, h.sink.bind(stuck), h.clock.now);
    assert.deepEqual(h.sink.closed, [stuck.id], 'the late answer is closed again');
  });

  for (const [asked, granted] of [
    [undefined, 600],
    [60, 600],
    [777, 777],
    [3600, 3600],
    [7200, 3600],
    [0xffffffff, 3600],
  ] as const) {
    it(`grants a lifetime of ${granted} s when ${asked ?? 'no'} s is asked`, () => {
      const h = harness();
      const res = new TestClient(h).allocate((b) => {
        if (asked !== undefined) b.add(Lifetime, asked);
      });
      assert.equal(res.get(Lifetime), granted);
    });
  }
});

describe('allocation admission hooks', () => {
  it('answers 508 beyond maxAllocations', () => {
    const h = harness({ maxAllocations: 2 });
    assertSuccess(new TestClient(h).allocate());
    assertSuccess(new TestClient(h).allocate());
    assertError(new TestClient(h).allocate(), 508);
  });

  it('answers 486 beyond the user quota and admits again after a delete', () => {
    const h = harness({ userQuota: 1 });
    const a = new TestClient(h);
    assertSuccess(a.allocate());
    const b = new TestClient(h);
    assertError(b.allocate(), 486);
    assertSuccess(a.request(Method.Refresh, (x) => x.add(Lifetime, 0)));
    assertSuccess(b.allocate());
  });

  it('lets the admitAllocation hook refuse with 486 or 508, seeing the user and families', () => {
    let answer: true | 486 | 508 = 486;
    const seen: string[] = [];
    const h = harness({
      admitAllocation: (r) => {
        seen.push(`${r.username}/${r.userId}/${r.realm}/${r.families.join('+')}`);
        return answer;
      },
    });
    assertError(new TestClient(h).allocate(), 486);
    answer = 508;
    assertError(new TestClient(h).allocate(), 508);
    answer = true;
    assertSuccess(new TestClient(h).allocate());
    assert.deepEqual(seen, Array(3).fill('user-1/user-1/stunner.l7mp.io/IPv4'));
  });
});
