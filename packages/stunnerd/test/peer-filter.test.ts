import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizePeerAddress, PeerFilter } from '@stunner/stunnerd';

const open = new PeerFilter({ clusters: [{ name: 'ns/all', type: 'STATIC', endpoints: ['0.0.0.0/0', '::/0'] }] });

describe('peer address normalisation (turn.md §5.3)', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['::ffff:127.0.0.1', '7f000001', undefined],
    ['::ffff:7f00:1', '7f000001', undefined],
    ['::10.0.0.1', '0a000001', undefined],
    ['64:ff9b::a9fe:a9fe', '0064ff9b0000000000000000a9fea9fe', 'a9fea9fe'],
    ['2002:a9fe:a9fe::1', '2002a9fea9fe00000000000000000001', 'a9fea9fe'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', '200100004136e378800063bf80fffffe', '7f000001'],
    ['fe80::1%eth0', 'fe800000000000000000000000000001', undefined],
  ];
  for (const [text, bytes, embedded] of cases) {
    it(text, () => {
      const n = normalizePeerAddress(text)!;
      assert.equal(n.bytes.toString('hex'), bytes);
      assert.equal(n.embedded?.toString('hex'), embedded);
    });
  }
  it('64:ff9b:1::/48 embeds the last 32 bits', () => {
    assert.equal(normalizePeerAddress('64:ff9b:1::7f00:1')!.embedded?.toString('hex'), '7f000001');
  });
  it('leaves :: and ::1 as IPv6', () => {
    assert.equal(normalizePeerAddress('::')!.bytes.length, 16);
    assert.equal(normalizePeerAddress('::1')!.bytes.length, 16);
  });
});

describe('PeerFilter', () => {
  it('admits only peers inside a cluster endpoint of the listener', () => {
    const f = new PeerFilter({
      clusters: [{ name: 'media/plane', type: 'STATIC', endpoints: ['10.244.0.0/16', '10.96.0.10'] }],
    });
    assert.equal(f.clusterFor('10.244.1.5', 5000), 'media/plane');
    assert.ok(f.admit('10.96.0.10', 1));
    assert.ok(!f.admit('10.96.0.11', 1));
    assert.ok(!f.admit('192.168.1.1', 1));
    assert.ok(!f.admit('not-an-ip', 1));
  });

  it('admits nothing without clusters', () => {
    assert.ok(!new PeerFilter({ clusters: [] }).admit('10.0.0.1', 1000));
  });

  it('enforces port ranges, trying every cluster that holds the IP', () => {
    const f = new PeerFilter({
      clusters: [
        { name: 'a', type: 'STATIC', endpoints: ['10.0.0.1:<1000-1999>'] },
        { name: 'b', type: 'STATIC', endpoints: ['10.0.0.0/24:<3000-3000>'] },
      ],
    });
    assert.equal(f.clusterFor('10.0.0.1', 1500), 'a');
    assert.equal(f.clusterFor('10.0.0.1', 3000), 'b');
    assert.equal(f.clusterFor('10.0.0.1', 2500), undefined);
    assert.equal(f.clusterFor('10.0.0.1', 0), 'a', 'port 0 asks about the IP only');
  });

  // turn.md §5.5 item 1: every one of these is refused even by a route open to everything.
  for (const peer of [
    '127.0.0.1',
    '127.0.0.2',
    '127.255.255.254',
    '0.0.0.0',
    '169.254.169.254',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:0.0.0.0',
    '::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::7f00:1',
    '2002:a9fe:a9fe::1',
    '2002:7f00:1::',
    '2001:0:4136:e378:8000:63bf:80ff:fffe',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
  ]) {
    it(`refuses ${peer} through 0.0.0.0/0 and ::/0`, () => {
      assert.ok(!open.admit(peer, 5000));
      assert.ok(!open.admit(peer, 0));
    });
  }

  it('opens a denied range only when an endpoint names it explicitly', () => {
    const f = new PeerFilter({ clusters: [{ name: 'test', type: 'STATIC', endpoints: ['127.0.0.1/32', '::1'] }] });
    assert.ok(f.admit('127.0.0.1', 5000));
    assert.ok(f.admit('::ffff:127.0.0.1', 5000));
    assert.ok(f.admit('::1', 5000));
    assert.ok(!f.admit('127.0.0.2', 5000));
    const wide = new PeerFilter({ clusters: [{ name: 'wide', type: 'STATIC', endpoints: ['0.0.0.0/1'] }] });
    assert.ok(!wide.admit('127.0.0.1', 5000));
    assert.ok(wide.admit('10.1.1.1', 5000));
  });

  it('admits ordinary peers through an open route', () => {
    assert.ok(open.admit('10.0.0.1', 5000));
    assert.ok(open.admit('203.0.113.7', 5000));
    assert.ok(open.admit('2001:db8::7', 5000));
  });

  it("never admits the gateway's own ports on its own, loopback or wildcard addresses", () => {
    const f = new PeerFilter({
      clusters: [{ name: 'test', type: 'STATIC', endpoints: ['127.0.0.1', '10.0.0.5', '10.0.0.6'] }],
      ownAddresses: ['10.0.0.5'],
      ownPorts: [3478, 8086, 8080],
    });
    for (const port of [3478, 8086, 8080]) {
      assert.ok(!f.admit('127.0.0.1', port), `loopback ${port}`);
      assert.ok(!f.admit('10.0.0.5', port), `own address ${port}`);
      assert.ok(f.admit('10.0.0.6', port), `another pod ${port}`);
    }
    assert.ok(f.admit('127.0.0.1', 3479));
    assert.ok(f.admit('10.0.0.5', 0), 'the IP itself stays permitted for other ports');
  });

  it('admits STRICT_DNS peers by their resolved addresses, updated in place', () => {
    const f = new PeerFilter({ clusters: [{ name: 'dns', type: 'STRICT_DNS', endpoints: ['media.svc'] }] });
    assert.ok(!f.admit('10.1.2.3', 9));
    f.setResolved('dns', ['10.1.2.3', 'fd00::9']);
    assert.ok(f.admit('10.1.2.3', 9));
    assert.ok(f.admit('fd00:0::9', 9));
    f.setResolved('dns', ['10.1.2.4']);
    assert.ok(!f.admit('10.1.2.3', 9), 'a stale decision is not served from the cache');
    f.setResolved('dns', ['127.0.0.1']);
    assert.ok(!f.admit('127.0.0.1', 9), 'a name resolving to loopback does not open it');
  });

  it('reports malformed endpoints and lets them match nothing', () => {
    const f = new PeerFilter({ clusters: [{ name: 'c', type: 'STATIC', endpoints: ['10.0.0.1/40', '10.0.0.2'] }] });
    assert.equal(f.errors.length, 1);
    assert.match(f.errors[0]!, /cluster c: endpoint "10\.0\.0\.1\/40"/);
    assert.ok(f.admit('10.0.0.2', 1));
  });

  it('keeps deciding correctly when the cache is full', () => {
    const f = new PeerFilter({ clusters: [{ name: 'c', type: 'STATIC', endpoints: ['10.0.0.0/8'] }], cacheSize: 4 });
    for (let i = 0; i < 50; i++) assert.ok(f.admit(`10.0.0.${i}`, 1));
    assert.ok(!f.admit('11.0.0.1', 1));
  });
});
