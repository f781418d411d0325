import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressFamily, Method, RequestedAddressFamily, XorPeerAddress } from '@stunner/stun';
import { PeerFilter, parsePeerEndpoint } from '@stunner/turn';
import { assertError, assertSuccess, harness, TestClient } from './harness.ts';

const OPEN = ['0.0.0.0/0', '::/0'];

describe('PeerFilter (stunner-v1.md §1.10, turn.md §5.3)', () => {
  it('admits only peers inside an allowed endpoint, with its port range', () => {
    const f = new PeerFilter({ allow: ['10.1.0.0/16:<5000-6000>', '2001:db8::/32', '192.0.2.7'] });
    assert.equal(f.admits('10.1.2.3', 5000), true);
    assert.equal(f.admits('10.1.2.3', 6000), true);
    assert.equal(f.admits('10.1.2.3', 6001), false);
    assert.equal(f.admits('10.1.2.3', 0), true, 'port 0: an IP-only permission check');
    assert.equal(f.admits('10.2.0.1', 5000), false);
    assert.equal(f.admits('2001:db8::5', 9), true);
    assert.equal(f.admits('192.0.2.7', 1), true);
    assert.equal(f.admits('192.0.2.8', 1), false);
    assert.equal(f.admits('not-an-ip', 1), false);
    assert.equal(new PeerFilter().admits('10.1.2.3', 5000), false, 'no routes: nothing admitted');
  });

  // turn.md §5.5 item 1: every form of this host, unspecified, link-local/metadata, multicast, broadcast.
  for (const peer of [
    '127.0.0.1',
    '127.0.0.2',
    '127.255.255.254',
    '0.0.0.0',
    '0.1.2.3',
    '169.254.169.254',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:0.0.0.0',
    '::ffff:169.254.169.254',
    '::127.0.0.1',
    '64:ff9b::7f00:1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::a9fe:a9fe',
    '2002:a9fe:a9fe::1',
    '2002:7f00:1::1',
    '2001:0:4136:e378:8000:63bf:80ff:fffe', // Teredo, client 127.0.0.1 (inverted)
  ]) {
    it(`denies ${peer} even with routes open to everything`, () => {
      const f = new PeerFilter({ allow: OPEN });
      assert.equal(f.admits(peer, 3478), false);
      assert.equal(f.admits(peer, 0), false);
    });
  }

  it('lets a route open a denied range only by naming it', () => {
    const f = new PeerFilter({ allow: ['0.0.0.0/0', '127.0.0.1/32'] });
    assert.equal(f.admits('127.0.0.1', 5000), true);
    assert.equal(f.admits('::ffff:127.0.0.1', 5000), true, 'the mapped form is the same host');
    assert.equal(f.admits('127.0.0.2', 5000), false);
    assert.equal(f.admits('169.254.169.254', 80), false);
    assert.equal(new PeerFilter({ allow: ['127.0.0.0/7'] }).admits('127.0.0.1', 1), false, 'wider than 127/8');
  });

  it('judges IPv4-mapped peers as their IPv4 address', () => {
    const f = new PeerFilter({ allow: ['10.0.0.0/8'] });
    assert.equal(f.admits('::ffff:10.0.0.1', 1), true);
    assert.equal(f.admits('::ffff:192.168.0.1', 1), false);
  });

  it('requires a translated address to be routed and its embedded IPv4 not to be denied', () => {
    const f = new PeerFilter({ allow: ['64:ff9b::/96', '2002::/16'] });
    assert.equal(f.admits('64:ff9b::c000:207', 1), true, 'NAT64 of 192.0.2.7');
    assert.equal(f.admits('64:ff9b::7f00:1', 1), false, 'NAT64 of 127.0.0.1');
    assert.equal(f.admits('2002:c000:207::1', 1), true);
    assert.equal(f.admits('2002:a9fe:a9fe::1', 1), false);
    assert.equal(new PeerFilter({ allow: ['10.0.0.0/8'] }).admits('64:ff9b::a00:1', 1), false, 'not routed');
  });

  it("never admits the daemon's own endpoints, even where a route names them", () => {
    const f = new PeerFilter({
      allow: ['0.0.0.0/0', '127.0.0.1/32', '10.0.0.5'],
      denyEndpoints: ['127.0.0.1/32:<3478-3478>', '10.0.0.5:<8080-8086>'],
    });
    assert.equal(f.admits('127.0.0.1', 3478), false);
    assert.equal(f.admits('127.0.0.1', 3479), true);
    assert.equal(f.admits('10.0.0.5', 8086), false);
    assert.equal(f.admits('::ffff:10.0.0.5', 8080), false);
    assert.equal(f.admits('10.0.0.5', 0), true, 'the IP itself may hold other services');
  });

  it('parses STUNner endpoint syntax and refuses invalid ones', () => {
    const e = parsePeerEndpoint('1.2.3.4/16:<1-2>');
    assert.deepEqual([e.prefix.bits, e.minPort, e.maxPort], [112, 1, 2]);
    assert.equal(e.prefix.bytes.subarray(12).join('.'), '1.2.0.0');
    assert.deepEqual(parsePeerEndpoint('2001:db8::/32:<10000-20000>').maxPort, 20000);
    for (const bad of ['10.0.0.0/33', 'example.org', '1.2.3.4:<9-1>', '1.2.3.4:<1-70000>', '::/129']) {
      assert.throws(() => parsePeerEndpoint(bad), { code: 'TURN_ERR_INVALID_ARGUMENT' }, bad);
    }
  });
});

describe('peer admission through the engine (turn.md §5.5)', () => {
  it('refuses ::ffff:127.0.0.1 on an IPv6 relay with 403 (CVE-2026-27624)', () => {
    const filter = new PeerFilter({ allow: OPEN });
    const h = harness({ admitPeer: (ip, port) => filter.admits(ip, port) });
    const c = new TestClient(h);
    assertSuccess(c.allocate((b) => b.add(RequestedAddressFamily, AddressFamily.IPv6)));
    for (const address of ['::ffff:127.0.0.1', '::ffff:0.0.0.0', '::1', '::', '64:ff9b::a9fe:a9fe']) {
      const peer = { family: 'IPv6' as const, address, port: 5000 };
      assertError(
        c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, peer)),
        403,
      );
    }
    assertSuccess(
      c.request(Method.CreatePermission, (b) =>
        b.add(XorPeerAddress, { family: 'IPv6', address: '2001:db8::1', port: 5000 }),
      ),
    );
  });
});
