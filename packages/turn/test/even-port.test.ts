import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressFamily, EvenPort, RequestedAddressFamily, ReservationToken, XorRelayedAddress } from '@stunner/stun';
import { assertError, assertSuccess, harness, RELAY_V4, TestClient } from './harness.ts';

describe('EVEN-PORT and RESERVATION-TOKEN (RFC 8656 §7.2, §14.6, §14.9)', () => {
  it('asks the adapter for an even port with R=0 and hands out no token', () => {
    const h = harness();
    const res = new TestClient(h).allocate((b) => b.add(EvenPort, { reserve: false }));
    assertSuccess(res);
    assert.equal(h.sink.opened[0]!.evenPort, true);
    assert.equal(h.sink.opened[0]!.reserveId, undefined);
    assert.equal(res.get(XorRelayedAddress)!.port % 2, 0);
    assert.equal(res.get(ReservationToken), undefined);
  });

  it('reserves the next port with R=1; the RTCP Allocate with the token gets port+1 at once', () => {
    const h = harness();
    const rtp = new TestClient(h);
    const res = rtp.allocate((b) => b.add(EvenPort, { reserve: true }));
    assertSuccess(res);
    const req = h.sink.opened[0]!;
    assert.equal(req.evenPort, true);
    assert.notEqual(req.reserveId, undefined);
    const token = res.get(ReservationToken);
    assert.equal(token?.length, 8);
    const port = res.get(XorRelayedAddress)!.port;
    assert.equal(port % 2, 0);

    const rtcp = new TestClient(h);
    const res2 = rtcp.allocate((b) => b.add(ReservationToken, token!));
    assertSuccess(res2, rtcp.key());
    assert.deepEqual(res2.get(XorRelayedAddress), { family: 'IPv4', address: RELAY_V4, port: port + 1 });
    assert.equal(h.sink.opened.length, 1, 'the reserved socket is used, no new bind');
    assert.equal(h.engine.allocationCount, 2);
    // The RTCP allocation relays under the reserved relay id.
    assert.deepEqual(
      [...h.engine.allocations()].map((a) => a.id),
      [req.id, req.reserveId],
    );
    // A token works once.
    assertError(
      new TestClient(h).allocate((b) => b.add(ReservationToken, token!)),
      508,
    );
  });

  it('answers an unknown token with 508', () => {
    const h = harness();
    assertError(
      new TestClient(h).allocate((b) => b.add(ReservationToken, Buffer.alloc(8, 7))),
      508,
    );
  });

  it('answers a token together with EVEN-PORT or REQUESTED-ADDRESS-FAMILY with 400', () => {
    const h = harness();
    const token = Buffer.alloc(8, 1);
    const c = new TestClient(h);
    assertError(
      c.allocate((b) => b.add(ReservationToken, token).add(EvenPort, { reserve: false })),
      400,
    );
    assertError(
      c.allocate((b) => b.add(ReservationToken, token).add(RequestedAddressFamily, AddressFamily.IPv4)),
      400,
    );
  });

  it('releases an unclaimed reservation after the reservation lifetime', () => {
    const h = harness({ reservationLifetime: 30 });
    const res = new TestClient(h).allocate((b) => b.add(EvenPort, { reserve: true }));
    const reserveId = h.sink.opened[0]!.reserveId!;
    h.advance(29_000);
    assert.deepEqual(h.sink.closed, []);
    h.advance(1_000);
    assert.deepEqual(h.sink.closed, [reserveId]);
    assertError(
      new TestClient(h).allocate((b) => b.add(ReservationToken, res.get(ReservationToken)!)),
      508,
    );
  });

  it('gives no token when the adapter could not reserve the next port', () => {
    const h = harness();
    h.sink.autoBind = (req) => ({ addresses: h.sink.bind(req).addresses });
    const res = new TestClient(h).allocate((b) => b.add(EvenPort, { reserve: true }));
    assertSuccess(res);
    assert.equal(res.get(ReservationToken), undefined);
  });

  it('closes the reserved socket too when a reserving Allocate fails', () => {
    const h = harness();
    h.sink.autoBind = (req) => ({ addresses: [], reserved: h.sink.bind(req).reserved! });
    const c = new TestClient(h);
    assertError(
      c.allocate((b) => b.add(EvenPort, { reserve: true })),
      508,
    );
    const req = h.sink.opened[0]!;
    assert.deepEqual(h.sink.closed.sort(), [req.id, req.reserveId].sort());
  });
});
