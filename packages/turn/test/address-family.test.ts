import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AdditionalAddressFamily,
  AddressErrorCode,
  AddressFamily,
  ChannelNumber,
  Data,
  Lifetime,
  MessageClass,
  Method,
  RequestedAddressFamily,
  StunMessageBuilder,
  XorPeerAddress,
  XorRelayedAddress,
} from '@stunner/stun';
import { assertError, assertSuccess, harness, RELAY_V4, RELAY_V6, TestClient } from './harness.ts';

describe('address families (RFC 8656 §7.2, RFC 6156)', () => {
  it('allocates an IPv6 relay for REQUESTED-ADDRESS-FAMILY IPv6', () => {
    const h = harness();
    const res = new TestClient(h).allocate((b) => b.add(RequestedAddressFamily, AddressFamily.IPv6));
    assertSuccess(res);
    assert.deepEqual(h.sink.opened[0]!.families, ['IPv6']);
    assert.equal(res.get(XorRelayedAddress)?.address, RELAY_V6);
  });

  it('answers 440 for a family the relay cannot bind, or an unknown family value', () => {
    const h = harness({ relayFamilies: ['IPv4'] });
    const c = new TestClient(h);
    assertError(
      c.allocate((b) => b.add(RequestedAddressFamily, AddressFamily.IPv6)),
      440,
    );
    assertError(
      c.allocate((b) => b.add(RequestedAddressFamily, 0x03)),
      440,
    );
    assert.equal(h.sink.opened.length, 0);
  });

  it('answers 440 for the default IPv4 family on an IPv6-only server', () => {
    const h = harness({ relayFamilies: ['IPv6'] });
    assertError(new TestClient(h).allocate(), 440);
  });

  it('answers 400 for REQUESTED- and ADDITIONAL-ADDRESS-FAMILY together, and ADDITIONAL IPv4', () => {
    const h = harness();
    const c = new TestClient(h);
    assertError(
      c.allocate((b) =>
        b.add(RequestedAddressFamily, AddressFamily.IPv4).add(AdditionalAddressFamily, AddressFamily.IPv6),
      ),
      400,
    );
    assertError(
      c.allocate((b) => b.add(AdditionalAddressFamily, AddressFamily.IPv4)),
      400,
    );
  });

  it('makes a dual allocation for ADDITIONAL-ADDRESS-FAMILY IPv6', () => {
    const h = harness();
    const res = new TestClient(h).allocate((b) => b.add(AdditionalAddressFamily, AddressFamily.IPv6));
    assertSuccess(res);
    assert.deepEqual(h.sink.opened[0]!.families, ['IPv4', 'IPv6']);
    assert.deepEqual(
      res.getAll(XorRelayedAddress).map((a) => a.address),
      [RELAY_V4, RELAY_V6],
    );
  });

  it('succeeds with IPv4 only and ADDRESS-ERROR-CODE 440 when IPv6 is not supported', () => {
    const h = harness({ relayFamilies: ['IPv4'] });
    const res = new TestClient(h).allocate((b) => b.add(AdditionalAddressFamily, AddressFamily.IPv6));
    assertSuccess(res);
    assert.deepEqual(
      res.getAll(XorRelayedAddress).map((a) => a.family),
      ['IPv4'],
    );
    assert.deepEqual(
      { ...res.get(AddressErrorCode), reason: undefined },
      { family: AddressFamily.IPv6, code: 440, reason: undefined },
    );
  });

  it('succeeds with ADDRESS-ERROR-CODE 508 when the adapter binds only the IPv4 side', () => {
    const h = harness();
    h.sink.autoBind = (req) => {
      const full = h.sink.bind(req);
      return { addresses: full.addresses.filter((a) => a.family === 'IPv4') };
    };
    const res = new TestClient(h).allocate((b) => b.add(AdditionalAddressFamily, AddressFamily.IPv6));
    assertSuccess(res);
    assert.equal(res.get(AddressErrorCode)?.code, 508);
    assert.equal(res.get(AddressErrorCode)?.family, AddressFamily.IPv6);
  });

  it('answers 443 for a peer of the other family in CreatePermission and ChannelBind', () => {
    const h = harness();
    const c = new TestClient(h);
    assertSuccess(c.allocate());
    const v6peer = { family: 'IPv6' as const, address: '2001:db8::99', port: 7000 };
    assertError(
      c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, v6peer)),
      443,
    );
    assertError(
      c.request(Method.ChannelBind, (b) => b.add(ChannelNumber, 0x4000).add(XorPeerAddress, v6peer)),
      443,
    );
  });

  it('drops a Send indication to a peer of the other family', () => {
    const h = harness();
    const c = new TestClient(h);
    assertSuccess(c.allocate());
    const send = new StunMessageBuilder(Method.Send, MessageClass.Indication)
      .add(XorPeerAddress, { family: 'IPv6', address: '2001:db8::99', port: 7000 })
      .add(Data, Buffer.from('hi'))
      .build();
    assert.deepEqual(c.feed(send), []);
    assert.equal(h.sink.toPeer.length, 0);
  });

  it('relays to both families on a dual allocation', () => {
    const h = harness();
    const c = new TestClient(h);
    assertSuccess(c.allocate((b) => b.add(AdditionalAddressFamily, AddressFamily.IPv6)));
    const v4 = { family: 'IPv4' as const, address: '203.0.113.5', port: 7000 };
    const v6 = { family: 'IPv6' as const, address: '2001:db8::99', port: 7000 };
    assertSuccess(c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, v4).add(XorPeerAddress, v6)));
  });

  it('answers a Refresh naming a family the allocation lacks with 443', () => {
    const h = harness();
    const c = new TestClient(h);
    assertSuccess(c.allocate());
    assertError(
      c.request(Method.Refresh, (b) => b.add(RequestedAddressFamily, AddressFamily.IPv6).add(Lifetime, 600)),
      443,
    );
    assertSuccess(c.request(Method.Refresh, (b) => b.add(RequestedAddressFamily, AddressFamily.IPv4)));
  });
});

describe('Refresh with REQUESTED-ADDRESS-FAMILY on a dual allocation (RFC 8656 §7.3–7.4)', () => {
  const v4 = { family: 'IPv4' as const, address: '203.0.113.5', port: 7000 };
  const v6 = { family: 'IPv6' as const, address: '2001:db8::99', port: 7000 };
  const dual = () => {
    const h = harness();
    const c = new TestClient(h);
    assertSuccess(c.allocate((b) => b.add(AdditionalAddressFamily, AddressFamily.IPv6)));
    assertSuccess(c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, v4).add(XorPeerAddress, v6)));
    return { h, c };
  };
  const relayFrom = (h: ReturnType<typeof harness>, peer: { address: string; port: number }) =>
    h.engine.handleRelay(1, Buffer.from('x'), peer.address, peer.port, h.clock.now);

  it('deletes only that family with LIFETIME 0; the other goes on until it is deleted too', () => {
    const { h, c } = dual();
    const res = c.request(Method.Refresh, (b) => b.add(RequestedAddressFamily, AddressFamily.IPv6).add(Lifetime, 0));
    assertSuccess(res);
    assert.equal(res.get(Lifetime), 0);
    assert.deepEqual(h.sink.closedFamilies, [{ relayId: 1, family: 'IPv6' }]);
    assert.deepEqual(h.sink.closed, [], 'the allocation is not deleted');
    assert.equal(h.engine.allocationCount, 1);
    assert.equal(relayFrom(h, v4), true, 'IPv4 still relays');
    assert.equal(relayFrom(h, v6), false, 'IPv6 is gone');
    assertError(
      c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, v6)),
      443,
    );
    assert.deepEqual(
      [...h.engine.allocations()][0]!.relayed.map((r) => r.family),
      ['IPv4'],
    );
    assertSuccess(c.request(Method.Refresh, (b) => b.add(RequestedAddressFamily, AddressFamily.IPv4).add(Lifetime, 0)));
    assert.deepEqual(h.sink.closed, [1]);
    assert.equal(h.engine.allocationCount, 0);
  });

  it('refreshes only that family: the other expires at its own lifetime', () => {
    const { h, c } = dual();
    h.advance(300_000);
    assertSuccess(c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, v4).add(XorPeerAddress, v6)));
    const res = c.request(Method.Refresh, (b) => b.add(RequestedAddressFamily, AddressFamily.IPv6).add(Lifetime, 900));
    assert.equal(res.get(Lifetime), 900);
    h.advance(301_000);
    assert.deepEqual(h.sink.closedFamilies, [{ relayId: 1, family: 'IPv4' }], 'IPv4 ended at 600 s');
    assert.equal(h.engine.allocationCount, 1);
    assertError(
      c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, v4)),
      443,
    );
    assertSuccess(c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, v6)));
    assert.equal(relayFrom(h, v6), true);
    assert.equal(relayFrom(h, v4), false);
    h.advance(600_000);
    assert.equal(h.engine.allocationCount, 0, 'IPv6 ended at 1200 s, and the allocation with it');
  });

  it('refreshes and deletes both families without REQUESTED-ADDRESS-FAMILY', () => {
    const { h, c } = dual();
    assertSuccess(c.request(Method.Refresh, (b) => b.add(Lifetime, 0)));
    assert.deepEqual(h.sink.closedFamilies, []);
    assert.deepEqual(h.sink.closed, [1]);
  });
});
