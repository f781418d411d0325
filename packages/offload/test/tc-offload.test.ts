import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  egressFor,
  ensureToolchain,
  type HostInterface,
  programObject,
  selectInterfaces,
  TcOffload,
} from '@stunner/offload';
import { canMakeNamespaces, makeTopology } from './netns.ts';

const IFACES: HostInterface[] = [
  { name: 'lo', ifindex: 1, ipv4: [{ address: '127.0.0.1', prefix: 8 }] },
  { name: 'eth0', ifindex: 2, ipv4: [{ address: '10.0.0.5', prefix: 24 }] },
  { name: 'eth1', ifindex: 3, ipv4: [{ address: '192.168.7.1', prefix: 16 }] },
];

describe('interface choice', () => {
  it('attaches to every interface but lo unless some are named', () => {
    assert.deepEqual(
      selectInterfaces(IFACES, []).map((i) => i.name),
      ['eth0', 'eth1'],
    );
    assert.deepEqual(
      selectInterfaces(IFACES, ['eth1', 'nope']).map((i) => i.name),
      ['eth1'],
    );
  });

  it('sends to a peer from the interface whose subnet holds it, else from the first one', () => {
    assert.deepEqual(egressFor(IFACES, '192.168.200.9'), { ifindex: 3, source: '192.168.7.1' });
    assert.deepEqual(egressFor(IFACES, '10.0.0.77'), { ifindex: 2, source: '10.0.0.5' });
    assert.deepEqual(egressFor(IFACES, '203.0.113.1'), { ifindex: 2, source: '10.0.0.5' });
  });

  it('has no egress for a peer that is not a unicast host beyond this one (such peers stay in userspace)', () => {
    for (const peer of [
      '127.0.0.1', // loopback, even when a route names it
      '127.3.4.5',
      '0.0.0.0', // this host
      '10.0.0.5', // an address of this host
      '192.168.7.1',
      '224.0.0.1', // multicast
      '239.255.255.250',
      '255.255.255.255', // limited broadcast
      '240.0.0.1', // reserved
      '10.0.0.255', // eth0's subnet broadcast
      '192.168.255.255', // eth1's
    ]) {
      assert.equal(egressFor(IFACES, peer), undefined, peer);
    }
    // Link-local (metadata) and other unicast peers a route names explicitly go out a device.
    assert.deepEqual(egressFor(IFACES, '169.254.169.254'), { ifindex: 2, source: '10.0.0.5' });
    assert.deepEqual(egressFor(IFACES, '10.0.0.254'), { ifindex: 2, source: '10.0.0.5' });
  });
});

const skip = canMakeNamespaces() ? false : 'needs root to load BPF programs and make namespaces';

describe('TcOffload (kernel maps and TC attachment)', { skip }, () => {
  const binding = {
    clientAddress: '10.201.1.2',
    clientPort: 50000,
    listenerPort: 3478,
    channel: 0x4001,
    peerAddress: '10.201.2.2',
    peerPort: 3480,
    relayAddress: '10.201.2.1',
    relayPort: 40000,
    peerIfindex: 3,
  };

  it('writes both directions of a binding, reads zeroed stats, removes both', () => {
    assert.equal(ensureToolchain(), undefined);
    const tc = TcOffload.load(programObject());
    try {
      const slot = tc.add(binding);
      assert.deepEqual(tc.entryCounts(), { channels: 1, peers: 1 });
      assert.deepEqual(tc.stats(slot), {
        toPeerPackets: 0,
        toPeerBytes: 0,
        toClientPackets: 0,
        toClientBytes: 0,
        lastSeenNs: 0n,
      });
      tc.remove(binding, slot);
      assert.deepEqual(tc.entryCounts(), { channels: 0, peers: 0 });
      // The freed slot is reused.
      assert.equal(tc.add(binding), slot);
    } finally {
      tc.close();
    }
    assert.deepEqual(tc.entryCounts(), { channels: 0, peers: 0 });
  });

  it('attaches to an interface and leaves neither filter nor clsact qdisc behind on close', () => {
    const topo = makeTopology('tc');
    try {
      const show = (what: string[]) =>
        execFileSync('ip', ['netns', 'exec', topo.gateway, 'tc', ...what], { encoding: 'utf8' });
      const ifindex = Number(topo.run(topo.gateway, 'cat', ['/sys/class/net/gw-c/ifindex']).trim());
      // The program is attached from inside the namespace: a child process there does it.
      const script = `
        import { execFileSync } from 'node:child_process';
        import { programObject, TcOffload } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).pathname)};
        const tc = TcOffload.load(programObject());
        tc.attach(${ifindex});
        process.stdout.write(execFileSync('tc', ['filter', 'show', 'dev', 'gw-c', 'ingress'], { encoding: 'utf8' }));
        process.stdout.write('attached\\n');
        tc.close();
        process.stdout.write('closed\\n');`;
      const out = execFileSync(
        'ip',
        ['netns', 'exec', topo.gateway, process.execPath, '--input-type=module', '-e', script],
        { encoding: 'utf8' },
      );
      assert.match(out, /turn_offload.*direct-action[\s\S]*attached\nclosed/);
      assert.doesNotMatch(show(['qdisc', 'show', 'dev', 'gw-c']), /clsact/);
      assert.equal(show(['filter', 'show', 'dev', 'gw-c', 'ingress']).trim(), '');
    } finally {
      topo.destroy();
    }
  });
});
