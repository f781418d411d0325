// turn.md §5.5 item 1 on the kernel path: stunnerd with `offload_engine: TC`, run as a program in a
// gateway namespace between a client and a peer namespace (root only; traffic only in the namespaces
// the test makes), under a route open to everything (0.0.0.0/0, ::/0). A denied peer in any address
// form never gets a map entry; an admitted peer's channel is relayed by the kernel until a policy
// change drops the peer, after which neither the kernel nor userspace relays it, either way; the
// kernel relays peer datagrams only from the channel's own peer address and port.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ensureToolchain, programObject } from '@stunner/offload';
import {
  canMakeNamespaces,
  GATEWAY_CLIENT_IP,
  GATEWAY_PEER_IP,
  makeTopology,
  OUTSIDE_PEER_IP,
  PEER_IP,
  type Topology,
} from '../../../offload/test/netns.ts';
import { V4_DENIED, V6_DENIED } from '../support/denied-peers.ts';
import { mapDump, ourBpf } from './bpf-maps.ts';
import { type Driver, startDriver } from './driver-process.ts';
import { CLUSTER, type Gateway, LISTENER, PASS, startGateway, USER } from './gateway.ts';
import type { Heard, Received } from './netns-driver.ts';

const skip = canMakeNamespaces() ? false : 'needs root and iproute2 to make network namespaces';

/** IPv6 on the same veth pairs (nodad: usable at once), for a listener whose relays are IPv6. */
const V6 = { gwClient: 'fd00:201:1::1', client: 'fd00:201:1::2', gwPeer: 'fd00:201:2::1', peer: 'fd00:201:2::2' };
const LISTENER6 = 'offload/udp6';
const OPEN = ['0.0.0.0/0', '::/0'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

describe('peer deny list on the kernel (TC offload) path, stunnerd program', { skip, timeout: 180_000 }, () => {
  let topo: Topology;
  let gw: Gateway;
  let client: Driver;
  let peers: Driver;
  let maps: { chan: number; peer: number };
  /** Entries of the channel (client → peer) and peer (peer → client) maps, read from the kernel. */
  const entries = () => ({ channels: mapDump(maps.chan).length, peers: mapDump(maps.peer).length });
  const inDatagrams = () => topo.udpCounters(topo.gateway).InDatagrams ?? 0;
  /** IPv6 UDP datagrams the gateway's stack delivered (/proc/net/snmp6). */
  const inDatagrams6 = () =>
    Number(/^Udp6InDatagrams\s+(\d+)/m.exec(topo.run(topo.gateway, 'cat', ['/proc/net/snmp6']))?.[1] ?? 0);
  const metric = (name: string, direction: 'rx' | 'tx', labelName = CLUSTER) =>
    gw.metric(name, { name: labelName, direction });

  before(async () => {
    const missing = ensureToolchain(true);
    if (missing) throw new Error(`offload toolchain missing: ${missing}`);
    programObject();
    topo = makeTopology('deny', { checksumOffload: false });
    const ip6 = (ns: string, address: string, dev: string) =>
      execFileSync('ip', ['-n', ns, 'addr', 'add', `${address}/64`, 'dev', dev, 'nodad']);
    ip6(topo.gateway, V6.gwClient, 'gw-c');
    ip6(topo.gateway, V6.gwPeer, 'gw-p');
    ip6(topo.client, V6.client, 'eth0');
    ip6(topo.peer, V6.peer, 'eth0');
    gw = await startGateway(topo, {
      listenAddress: GATEWAY_CLIENT_IP,
      endpoints: OPEN,
      engine: 'TC',
      extraListeners: [{ name: LISTENER6, address: V6.gwClient, port: 3479 }],
    });
    await gw.waitFor(/TC program attached/);
    const bpf = ourBpf(topo);
    assert.ok(bpf?.maps.turn_chan_map && bpf.maps.turn_peer_map, 'the offload program and its maps are in the kernel');
    maps = { chan: bpf.maps.turn_chan_map, peer: bpf.maps.turn_peer_map };
    client = startDriver(topo.client);
    peers = startDriver(topo.peer);
  });

  after(async () => {
    client?.close();
    peers?.close();
    await gw?.stop();
    topo?.destroy();
  });

  const allocate = async (name: string, v6: boolean) => {
    const r = await client.call<{ relayed?: { address: string; port: number }; code?: number }>({
      op: 'allocate',
      name,
      server: v6 ? V6.gwClient : GATEWAY_CLIENT_IP,
      port: v6 ? 3479 : 3478,
      local: v6 ? V6.client : '0.0.0.0',
      username: USER,
      password: PASS,
    });
    assert.ok(r.relayed, `Allocate on the ${v6 ? 'IPv6' : 'IPv4'} listener: ${r.code}`);
    return r.relayed;
  };
  const bind = async (name: string, channel: number, address: string, port: number) =>
    (await client.call<{ code: number }>({ op: 'bind', name, channel, address, port })).code;
  const permit = async (name: string, address: string, port: number) =>
    (await client.call<{ code: number }>({ op: 'permission', name, address, port })).code;
  const received = (name: string) => client.call<Received>({ op: 'received', name });
  const heard = (name: string) => peers.call<Heard>({ op: 'heard', name });

  it('IPv4 relay: ChannelBind to every denied IPv4 address → 403, to IPv6 forms → 443, and no map entry', async () => {
    await allocate('v4', false);
    let channel = 0x4000;
    for (const address of V4_DENIED) {
      assert.equal(await bind('v4', channel++, address, 9), 403, `ChannelBind ${address}`);
      assert.equal(await permit('v4', address, 9), 403, `CreatePermission ${address}`);
    }
    // The gateway's own listener port on its own address (a relay loop) is refused too.
    assert.equal(await bind('v4', channel++, GATEWAY_CLIENT_IP, 3478), 403, 'the listener itself');
    // An IPv6 form names another family than the relay's (RFC 8656 §11.2: 443), whatever it embeds.
    for (const [address, form] of V6_DENIED) {
      assert.equal(await bind('v4', channel++, address, 9), 443, `ChannelBind ${address} (${form})`);
    }
    assert.deepEqual(entries(), { channels: 0, peers: 0 });
  });

  it('a peer a route admits at an address of the gateway itself is relayed in userspace, never offloaded', async () => {
    // 0.0.0.0/0 admits the gateway's peer-side address on a port that is not its own: the kernel's
    // redirect to a device would not deliver it locally, so it stays out of the maps.
    assert.equal(await bind('v4', 0x4100, GATEWAY_PEER_IP, 9), 200);
    assert.deepEqual(entries(), { channels: 0, peers: 0 });
  });

  it('IPv6 relay: every denied form → 403 and no entry; an admitted IPv6 peer is relayed in userspace only', async () => {
    await allocate('v6', true);
    let channel = 0x4000;
    for (const [address, form] of V6_DENIED) {
      assert.equal(await bind('v6', channel++, address, 9), 403, `ChannelBind ${address} (${form})`);
      assert.equal(await permit('v6', address, 9), 403, `CreatePermission ${address} (${form})`);
    }
    assert.deepEqual(entries(), { channels: 0, peers: 0 });
    const { port } = await peers.call<{ port: number }>({ op: 'socket', name: 'p6', address: V6.peer, port: 0 });
    assert.equal(await bind('v6', 0x4200, V6.peer, port), 200);
    const before = inDatagrams6();
    await client.call({ op: 'channelData', name: 'v6', channel: 0x4200, count: 10, size: 100 });
    await until('10 IPv6 datagrams at the peer', async () => ((await heard('p6')).count === 10 ? true : undefined));
    // The offload is IPv4 only (turn_offload.c): the gateway's UDP stack carried every datagram.
    assert.ok(inDatagrams6() - before >= 10, `the gateway's UDP stack received ${inDatagrams6() - before} of 10`);
    assert.deepEqual(entries(), { channels: 0, peers: 0 });
  });

  it('an admitted IPv4 peer is offloaded; other sources are not relayed by the kernel; a policy change closes both paths', async () => {
    const { port: peerPort } = await peers.call<{ port: number }>({
      op: 'socket',
      name: 'p',
      address: PEER_IP,
      port: 0,
    });
    await peers.call({ op: 'socket', name: 'other-port', address: PEER_IP, port: 0 });
    await peers.call({ op: 'socket', name: 'other-host', address: OUTSIDE_PEER_IP, port: 0 });
    await allocate('c', false);
    assert.equal(await bind('c', 0x4001, PEER_IP, peerPort), 200);
    assert.deepEqual(entries(), { channels: 1, peers: 1 });

    // Client → peer in the kernel: the gateway's UDP stack sees none of the 50, the metrics count all.
    const tx0 = metric('stunner_cluster_packets_total', 'tx');
    const rx0 = metric('stunner_cluster_packets_total', 'rx');
    let mark = inDatagrams();
    await client.call({ op: 'channelData', name: 'c', channel: 0x4001, count: 50, size: 120 });
    const relayFrom = await until('50 datagrams at the peer', async () => {
      const h = await heard('p');
      return h.count === 50 ? h.from : undefined;
    });
    assert.ok(relayFrom);
    assert.ok(inDatagrams() - mark < 5, `the gateway's UDP stack received ${inDatagrams() - mark} of 50`);
    assert.equal(metric('stunner_cluster_packets_total', 'tx') - tx0, 50);

    // Peer → client in the kernel, from exactly the channel's peer.
    mark = inDatagrams();
    await peers.call({ op: 'sendTo', name: 'p', ...relayFrom, count: 20, size: 80 });
    await until('20 ChannelData at the client', async () =>
      (await received('c')).channelData === 20 ? true : undefined,
    );
    assert.ok(inDatagrams() - mark < 5, `the gateway's UDP stack received ${inDatagrams() - mark} of 20`);
    assert.equal(metric('stunner_cluster_packets_total', 'rx') - rx0, 20);

    // Another port of the peer: not the channel's peer, so not relayed by the kernel. The permission is
    // per IP (RFC 8656 §9), so userspace relays it as Data indications, past the gateway's UDP stack.
    mark = inDatagrams();
    await peers.call({ op: 'sendTo', name: 'other-port', ...relayFrom, count: 5, size: 80 });
    await until('5 Data indications at the client', async () =>
      (await received('c')).indications === 5 ? true : undefined,
    );
    assert.ok(inDatagrams() - mark >= 5, 'the other port went to userspace');
    // Another host (admitted by the route, no permission): relayed by neither path.
    await peers.call({ op: 'sendTo', name: 'other-host', ...relayFrom, count: 5, size: 80 });
    await client.call({ op: 'ping', name: 'c' });
    await sleep(300);
    assert.deepEqual(await received('c'), { channelData: 20, indications: 5 });
    assert.equal((await heard('other-port')).count, 0);

    // The route stops naming the peer: the entries go at once, while the channel and permission live.
    gw.setEndpoints(['10.201.9.0/24', '::/0']);
    await until('the entries removed', () => {
      const e = entries();
      return e.channels === 0 && e.peers === 0 ? e : undefined;
    });
    mark = inDatagrams();
    const peerHeard = (await heard('p')).count;
    await client.call({ op: 'channelData', name: 'c', channel: 0x4001, count: 20, size: 120 });
    await peers.call({ op: 'sendTo', name: 'p', ...relayFrom, count: 20, size: 80 });
    await peers.call({ op: 'sendTo', name: 'other-port', ...relayFrom, count: 5, size: 80 });
    await client.call({ op: 'ping', name: 'c' });
    await sleep(500);
    // Both directions now reach userspace (the gateway's UDP stack), which drops them too.
    assert.ok(inDatagrams() - mark >= 40, `the gateway's UDP stack received ${inDatagrams() - mark} of 45`);
    assert.equal((await heard('p')).count, peerHeard, 'no ChannelData reached the peer after the change');
    assert.deepEqual(await received('c'), { channelData: 20, indications: 5 }, 'nothing reached the client');
    assert.equal(await bind('c', 0x4001, PEER_IP, peerPort), 403, 'ChannelBind refresh after the change');
    assert.deepEqual(entries(), { channels: 0, peers: 0 });

    // The route names the peer again: the channel, still bound, goes back to the kernel.
    gw.setEndpoints(OPEN);
    await until('the entries back', () => {
      const e = entries();
      return e.channels === 1 && e.peers === 1 ? e : undefined;
    });
    mark = inDatagrams();
    await client.call({ op: 'channelData', name: 'c', channel: 0x4001, count: 10, size: 120 });
    await until('10 more datagrams at the peer', async () =>
      (await heard('p')).count === peerHeard + 10 ? true : undefined,
    );
    assert.ok(inDatagrams() - mark < 5);
    assert.ok(metric('stunner_listener_packets_total', 'rx', LISTENER) >= 60);
  });
  it('an offload restart (offload_engine TC → None → TC) moves live channels out of the kernel and back', async () => {
    assert.deepEqual(entries(), { channels: 1, peers: 1 }, 'the channel of the test before');
    const old = ourBpf(topo);
    gw.setEngine('None');
    await until('the program detached', () => (ourBpf(topo) === undefined ? true : undefined));
    // Userspace relays the live channel meanwhile, under the same filter.
    const peerHeard = (await heard('p')).count;
    await client.call({ op: 'channelData', name: 'c', channel: 0x4001, count: 5, size: 120 });
    await until('5 datagrams relayed in userspace', async () =>
      (await heard('p')).count === peerHeard + 5 ? true : undefined,
    );
    gw.setEngine('TC');
    const now = await until('the program attached again', () => {
      const b = ourBpf(topo);
      return b && b.prog !== old?.prog ? b : undefined;
    });
    maps = { chan: now.maps.turn_chan_map!, peer: now.maps.turn_peer_map! };
    await until('the live channel in the new maps', () => {
      const e = entries();
      return e.channels === 1 && e.peers === 1 ? e : undefined;
    });
  });
});
