// stunnerd with `offload_engine: TC`, run as a program in a gateway namespace between a client and a
// peer namespace over veth pairs (root only; all traffic stays in the namespaces the test makes).
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ensureToolchain, programObject } from '@stunner/offload';
import {
  canMakeNamespaces,
  GATEWAY_CLIENT_IP,
  makeTopology,
  OUTSIDE_PEER_IP,
  PEER_IP,
  type Topology,
} from '../../../offload/test/netns.ts';
import { bpfExists, mapEntries, ourBpf } from './bpf-maps.ts';
import { CLUSTER, type Gateway, LISTENER, PASS, startGateway, USER } from './gateway.ts';

const skip = canMakeNamespaces() ? false : 'needs root and iproute2 to make network namespaces';

function uclient(
  topo: Topology,
  peer: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ sent: number; received: number; lost: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'ip',
      [
        ...topo.exec(topo.client).slice(1),
        'turnutils_uclient',
        '-u',
        USER,
        '-w',
        PASS,
        '-e',
        peer,
        ...args,
        GATEWAY_CLIENT_IP,
      ],
      { timeout: timeoutMs },
      (_err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\n/.exec(output);
        const lost = /Total lost packets (\d+)/.exec(output);
        resolve({
          sent: Number(totals?.[1] ?? 0),
          received: Number(totals?.[2] ?? 0),
          lost: Number(lost?.[1] ?? -1),
          output,
        });
      },
    );
  });
}

describe('TC offload in a namespace topology (stunnerd program, turnutils_uclient, turnutils_peer)', { skip }, () => {
  let topo: Topology;
  let gw: Gateway;
  let peer: ReturnType<typeof spawn>;
  let chanMap: number;
  const channelEntries = () => mapEntries(chanMap);

  before(async () => {
    const missing = ensureToolchain(true);
    if (missing) throw new Error(`offload toolchain missing: ${missing}`);
    programObject();
    // TX checksum offload off on the client and the peer: every datagram carries a full checksum that
    // the receiving namespace verifies, so a wrong rewrite in the kernel program shows as loss.
    topo = makeTopology('off', { checksumOffload: false });
    peer = spawn('ip', [...topo.exec(topo.peer).slice(1), 'turnutils_peer', '-L', PEER_IP, '-p', '3480'], {
      stdio: 'ignore',
    });
    gw = await startGateway(topo, { listenAddress: GATEWAY_CLIENT_IP, endpoints: [`${PEER_IP}/32`], engine: 'TC' });
    await gw.waitFor(/TC program attached/);
    const bpf = ourBpf(topo);
    assert.ok(bpf?.maps.turn_chan_map, 'the offload program and its channel map are in the kernel');
    chanMap = bpf.maps.turn_chan_map;
  });

  after(async () => {
    await gw?.stop();
    peer?.kill('SIGKILL');
    topo?.destroy();
  });

  it('relays uclient ChannelData in the kernel with 0 loss, and the metrics count every packet', async () => {
    assert.equal(channelEntries(), 0);
    const gwBefore = topo.udpCounters(topo.gateway);
    const r = await uclient(topo, PEER_IP, ['-c', '-n', '300', '-m', '4', '-l', '200', '-z', '5']);
    const gwAfter = topo.udpCounters(topo.gateway);
    assert.equal(r.sent, 1200, r.output.slice(-1500));
    assert.equal(r.lost, 0, r.output.slice(-1500));
    assert.equal(r.received, r.sent);
    // The kernel relayed the data: the gateway's UDP stack saw only the control messages.
    const seen = (gwAfter.InDatagrams ?? 0) - (gwBefore.InDatagrams ?? 0);
    assert.ok(seen < 100, `the gateway's UDP stack received ${seen} datagrams of 2400 relayed`);
    for (const ns of [topo.client, topo.peer]) assert.equal(topo.udpCounters(ns).InCsumErrors, 0);
    // Every offloaded packet is in the listener and cluster counters (stunner-v1.md §1.11).
    assert.equal(gw.metric('stunner_listener_packets_total', { name: LISTENER, direction: 'rx' }), r.sent);
    assert.equal(gw.metric('stunner_listener_packets_total', { name: LISTENER, direction: 'tx' }), r.received);
    assert.equal(gw.metric('stunner_listener_bytes_total', { name: LISTENER, direction: 'rx' }), r.sent * 200);
    assert.equal(gw.metric('stunner_cluster_packets_total', { name: CLUSTER, direction: 'tx' }), r.sent);
    assert.equal(gw.metric('stunner_cluster_packets_total', { name: CLUSTER, direction: 'rx' }), r.received);
    // uclient ends its allocations when it exits (Refresh with lifetime 0): their entries are gone.
    assert.equal(channelEntries(), 0);
  });

  it('never reaches a peer outside the routes', async () => {
    const before = topo.udpCounters(topo.peer);
    const r = await uclient(topo, OUTSIDE_PEER_IP, ['-c', '-n', '20', '-m', '1', '-l', '100', '-z', '5'], 20_000);
    const afterCounters = topo.udpCounters(topo.peer);
    for (const k of ['InDatagrams', 'NoPorts', 'InErrors'] as const) {
      assert.equal((afterCounters[k] ?? 0) - (before[k] ?? 0), 0, `peer namespace ${k} grew:\n${r.output.slice(-800)}`);
    }
    assert.equal(r.received, 0);
  });

  it('removes the entries of a peer the routes no longer admit, while its channel is in use', async () => {
    const run = uclient(topo, PEER_IP, ['-c', '-n', '400', '-m', '1', '-l', '100', '-z', '20']);
    const earlier = channelEntries();
    // uclient's allocation and ChannelBind take seconds when the machine is busy: wait up to 30 s.
    const deadline = Date.now() + 30_000;
    while (channelEntries() === earlier && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(channelEntries() > earlier, 'uclient bound no channel through the offloaded listener within 30 s');
    gw.setEndpoints(['10.201.9.0/24']);
    const until = Date.now() + 10_000;
    while (channelEntries() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.equal(channelEntries(), 0);
    // From now on the peer is reached neither by the kernel nor by userspace.
    const mark = topo.udpCounters(topo.peer).InDatagrams ?? 0;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((topo.udpCounters(topo.peer).InDatagrams ?? 0) - mark, 0);
    // The uclient this test started is the only process in the client namespace.
    for (const pid of execFileSync('ip', ['netns', 'pids', topo.client], { encoding: 'utf8' }).split('\n')) {
      if (pid !== '') process.kill(Number(pid), 'SIGKILL');
    }
    await run;
    gw.setEndpoints([`${PEER_IP}/32`]);
  });

  it('removes its programs, filters and maps when stunnerd stops', async () => {
    const running = ourBpf(topo);
    assert.ok(running);
    const ids = [['prog', running.prog], ...Object.values(running.maps).map((m) => ['map', m])] as Array<
      ['prog' | 'map', number]
    >;
    assert.equal(ids.length, 1 + 4);
    await gw.stop();
    const deadline = Date.now() + 5000;
    let left = ids.filter(([kind, id]) => bpfExists(kind, id));
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      left = ids.filter(([kind, id]) => bpfExists(kind, id));
    }
    assert.deepEqual(left, []);
    assert.equal(ourBpf(topo), undefined);
    for (const dev of ['gw-c', 'gw-p']) {
      const qdiscs = execFileSync('ip', [...topo.exec(topo.gateway).slice(1), 'tc', 'qdisc', 'show', 'dev', dev], {
        encoding: 'utf8',
      });
      assert.doesNotMatch(qdiscs, /clsact/);
    }
  });
});

describe('TC offload without the capabilities', { skip }, () => {
  it('warns once and relays in userspace', async () => {
    const missing = ensureToolchain(true);
    if (missing) throw new Error(`offload toolchain missing: ${missing}`);
    programObject();
    const topo = makeTopology('nocap', { checksumOffload: false });
    const peer = spawn('ip', [...topo.exec(topo.peer).slice(1), 'turnutils_peer', '-L', PEER_IP, '-p', '3480'], {
      stdio: 'ignore',
    });
    let gw: Gateway | undefined;
    try {
      gw = await startGateway(topo, {
        listenAddress: GATEWAY_CLIENT_IP,
        endpoints: [`${PEER_IP}/32`],
        engine: 'Auto',
        dropCapabilities: true,
      });
      const r = await uclient(topo, PEER_IP, ['-c', '-n', '100', '-m', '2', '-l', '200', '-z', '5']);
      assert.equal(r.sent, 200, r.output.slice(-1500));
      assert.equal(r.received, r.sent);
      const warnings = gw.output().match(/offload_engine Auto unavailable, relaying in userspace/g) ?? [];
      assert.equal(warnings.length, 1, gw.output().slice(-2000));
      assert.equal(gw.metric('stunner_listener_packets_total', { name: LISTENER, direction: 'rx' }), r.sent);
    } finally {
      await gw?.stop();
      peer.kill('SIGKILL');
      topo.destroy();
    }
  });
});
