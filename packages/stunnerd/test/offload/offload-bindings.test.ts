// The engine's channel, permission and allocation lifetimes (injected clock) against the real kernel
// maps of the offload program (loaded, not attached: no traffic). Root only (CAP_BPF).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureToolchain, type HostInterface, programObject, TcOffload } from '@stunner/offload';
import { ChannelNumber, Lifetime, Method, XorPeerAddress } from '@stunner/stun';
import { assertError, assertSuccess, harness, TestClient } from '../../../turn/test/harness.ts';
import { OffloadBindings } from '../../src/offload/offload-bindings.ts';
import { PeerFilter } from '../../src/peer-filter/peer-filter.ts';

const skip = process.getuid?.() === 0 ? false : 'needs root (CAP_BPF) to create the maps';
const PEER = { family: 'IPv4' as const, address: '203.0.113.5', port: 7000 };
const OUTSIDE = { family: 'IPv4' as const, address: '203.0.114.5', port: 7000 };
const IFACES: HostInterface[] = [{ name: 'eth0', ifindex: 1, ipv4: [{ address: '192.0.2.10', prefix: 24 }] }];

function filterFor(cidr: string): PeerFilter {
  return new PeerFilter({ clusters: [{ name: 'peers', type: 'STATIC', endpoints: [cidr] }] });
}

describe('offload bindings follow the engine (RFC 8656 §9, §11, §12)', { skip }, () => {
  let tc: TcOffload;

  before(() => {
    const missing = ensureToolchain();
    if (missing) throw new Error(`offload toolchain missing: ${missing}`);
    tc = TcOffload.load(programObject());
  });
  after(() => tc?.close());

  function setup() {
    let filter = filterFor('203.0.113.0/24');
    const h = harness({ admitPeer: (address, port) => filter.admit(address, port) });
    const bindings = new OffloadBindings(tc, 3478, IFACES, filter);
    bindings.watch(h.engine);
    const c = new TestClient(h);
    assertSuccess(c.allocate((b) => b.add(Lifetime, 3600)));
    const bind = (peer: typeof PEER, channel = 0x4000) =>
      c.request(Method.ChannelBind, (b) => {
        b.add(ChannelNumber, channel);
        b.add(XorPeerAddress, peer);
      });
    const permit = (peer: typeof PEER) => c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, peer));
    const setFilter = (cidr: string) => {
      filter = filterFor(cidr);
      bindings.setFilter(filter);
    };
    return { h, c, bind, permit, bindings, setFilter };
  }

  const entries = () => tc.entryCounts();

  it('writes both directions on ChannelBind and removes them when the channel expires', () => {
    const { h, bind, permit, bindings } = setup();
    assertSuccess(bind(PEER));
    assert.deepEqual(entries(), { channels: 1, peers: 1 });
    // The permission is kept fresh; the channel is not refreshed and expires after 600 s.
    h.advance(250_000);
    assertSuccess(permit(PEER));
    h.advance(250_000);
    assertSuccess(permit(PEER));
    assert.deepEqual(entries(), { channels: 1, peers: 1 });
    h.advance(100_001);
    assert.deepEqual(entries(), { channels: 0, peers: 0 });
    assert.equal(bindings.size, 0);
  });

  it('removes the entries when the permission expires, and a ChannelBind refresh brings them back', () => {
    const { h, bind, bindings } = setup();
    assertSuccess(bind(PEER));
    h.advance(300_001);
    assert.deepEqual(entries(), { channels: 0, peers: 0 });
    assertSuccess(bind(PEER));
    assert.deepEqual(entries(), { channels: 1, peers: 1 });
    bindings.clear();
    assert.deepEqual(entries(), { channels: 0, peers: 0 });
  });

  it('removes the entries on Refresh(0)', () => {
    const { c, bind } = setup();
    assertSuccess(bind(PEER, 0x4001));
    assert.deepEqual(entries(), { channels: 1, peers: 1 });
    assertSuccess(c.request(Method.Refresh, (b) => b.add(Lifetime, 0)));
    assert.deepEqual(entries(), { channels: 0, peers: 0 });
  });

  it('writes no entry for a refused peer, and follows peer-filter changes', () => {
    const { bind, setFilter, bindings } = setup();
    assertError(bind(OUTSIDE), 403);
    assert.deepEqual(entries(), { channels: 0, peers: 0 });
    assertSuccess(bind(PEER));
    assert.deepEqual(entries(), { channels: 1, peers: 1 });
    setFilter('198.18.0.0/15');
    assert.deepEqual(entries(), { channels: 0, peers: 0 });
    setFilter('203.0.113.5/32');
    assert.deepEqual(entries(), { channels: 1, peers: 1 });
    bindings.clear();
  });

  it('keeps a peer at an address of this host in userspace even when a route admits it', () => {
    const { bind, setFilter, bindings } = setup();
    setFilter('0.0.0.0/0');
    // 192.0.2.10 is the interface's own address: a redirect to a device would not deliver it locally.
    assertSuccess(bind({ family: 'IPv4', address: '192.0.2.10', port: 7000 }, 0x4010));
    assert.deepEqual(entries(), { channels: 0, peers: 0 });
    assert.equal(bindings.size, 0);
    bindings.clear();
  });

  it('rewrites an entry whose peer another cluster now admits, so its traffic counts there', () => {
    const { bind, bindings } = setup();
    assertSuccess(bind(PEER));
    const twoClusters = new PeerFilter({
      clusters: [
        { name: 'first', type: 'STATIC', endpoints: ['203.0.113.5/32'] },
        { name: 'peers', type: 'STATIC', endpoints: ['203.0.113.0/24'] },
      ],
    });
    bindings.setFilter(twoClusters);
    assert.deepEqual(entries(), { channels: 1, peers: 1 });
    assert.deepEqual(Object.keys(bindings.totals().clusters).sort(), ['first', 'peers']);
    bindings.clear();
  });

  it('moves its entries out of and back into the maps when the offload restarts', () => {
    const { bind, bindings } = setup();
    assertSuccess(bind(PEER));
    bindings.setMaps(undefined, []);
    assert.deepEqual(entries(), { channels: 0, peers: 0 });
    bindings.setMaps(tc, IFACES);
    assert.deepEqual(entries(), { channels: 1, peers: 1 });
    bindings.clear();
  });
});
