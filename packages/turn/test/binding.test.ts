import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Attr,
  decodeStunMessage,
  Lifetime,
  MessageClass,
  Method,
  RequestedTransport,
  StunMessageBuilder,
  TransportProtocol,
  UnknownAttributes,
  XorMappedAddress,
} from '@stunner/stun';
import { assertError, harness, TestClient } from './harness.ts';

describe('Binding', () => {
  it('answers with XOR-MAPPED-ADDRESS only, no SOFTWARE, within 2x of an IPv4 request', () => {
    const h = harness({ software: 'stunner-ts' });
    const c = new TestClient(h, { address: '198.51.100.7', port: 4321 });
    const req = c.build(Method.Binding, undefined, { auth: false });
    const [out] = c.feed(req);
    const res = decodeStunMessage(out!);
    assert.equal(res.messageClass, MessageClass.SuccessResponse);
    assert.deepEqual(res.get(XorMappedAddress), { family: 'IPv4', address: '198.51.100.7', port: 4321 });
    assert.deepEqual(
      res.attributes.map((a) => a.type),
      [Attr.XorMappedAddress],
    );
    assert.ok(out!.length <= 2 * req.length, `${out!.length} > 2 × ${req.length}`);
  });

  it('mirrors FINGERPRINT and stays within 2x for an IPv6 client that uses it', () => {
    const h = harness();
    const c = new TestClient(h, { address: '2001:db8::7', port: 4321 });
    const req = c.build(Method.Binding, undefined, { auth: false, fingerprint: true });
    const [out] = c.feed(req);
    const res = decodeStunMessage(out!);
    assert.ok(res.fingerprintOffset > 0, 'FINGERPRINT present');
    assert.equal(res.get(XorMappedAddress)?.address, '2001:db8::7');
    assert.ok(out!.length <= 2 * req.length, `${out!.length} > 2 × ${req.length}`);
  });

  it('reports a client seen through a dual-stack socket (::ffff:a.b.c.d) as IPv4', () => {
    const h = harness();
    const c = new TestClient(h, { address: '::ffff:198.51.100.7', port: 4321 });
    const res = c.send(Method.Binding, undefined, { auth: false });
    assert.deepEqual(res.get(XorMappedAddress), { family: 'IPv4', address: '198.51.100.7', port: 4321 });
  });

  it('answers 420 with UNKNOWN-ATTRIBUTES for an unknown comprehension-required attribute', () => {
    const h = harness();
    const c = new TestClient(h);
    const res = c.send(Method.Binding, (b) => b.addRaw(0x7f01, Buffer.alloc(4)).addRaw(0x7f02, Buffer.alloc(0)), {
      auth: false,
    });
    assertError(res, 420);
    assert.deepEqual(res.get(UnknownAttributes), [0x7f01, 0x7f02]);
  });

  it('ignores an unknown comprehension-optional attribute (ORIGIN 0x802F)', () => {
    const h = harness();
    const c = new TestClient(h);
    const res = c.send(Method.Binding, (b) => b.addRaw(0x802f, Buffer.from('https://example.org')), { auth: false });
    assert.equal(res.messageClass, MessageClass.SuccessResponse);
  });

  it('drops malformed datagrams silently and counts them', () => {
    const h = harness();
    const c = new TestClient(h);
    const good = c.build(Method.Binding, undefined, { auth: false, fingerprint: true });
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1]! ^= 1; // bad FINGERPRINT
    const short = good.subarray(0, 19);
    const overrun = Buffer.from(good);
    overrun.writeUInt16BE(200, 22); // first attribute claims more bytes than the message has
    // A DTLS record, then three broken STUN messages.
    for (const bad of [flipped, short, overrun, Buffer.from('16fefd00000000000000000000000000000000000000', 'hex')]) {
      assert.deepEqual(c.feed(bad), []);
    }
    assert.equal(h.engine.stats.malformed, 4);
  });

  it('ignores responses and indications other than Send', () => {
    const h = harness();
    const c = new TestClient(h);
    const ind = new StunMessageBuilder(Method.Binding, MessageClass.Indication).build();
    const resp = new StunMessageBuilder(Method.Binding, MessageClass.SuccessResponse).build();
    assert.deepEqual(c.feed(ind), []);
    assert.deepEqual(c.feed(resp), []);
  });

  it('answers a method it does not implement with 400', () => {
    const h = harness();
    const c = new TestClient(h);
    assertError(c.send(Method.Connect, undefined, { auth: false }), 400);
  });

  it('serves Binding but refuses TURN with 403 and no realm or nonce in auth mode none', () => {
    const h = harness({ auth: { type: 'none' } });
    const c = new TestClient(h);
    assert.equal(c.send(Method.Binding, undefined, { auth: false }).messageClass, MessageClass.SuccessResponse);
    const res = c.send(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP).add(Lifetime, 600), {
      auth: false,
    });
    assertError(res, 403);
    assert.equal(res.has(Attr.Nonce), false);
    assert.equal(res.has(Attr.Realm), false);
    assert.equal(h.engine.allocationCount, 0);
  });
});
