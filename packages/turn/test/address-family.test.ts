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
