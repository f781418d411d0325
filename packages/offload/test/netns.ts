// Network namespaces with veth pairs for the offload tests and benchmark (root only): a client, a
// gateway and a peer namespace, nothing in the caller's namespace, so all traffic stays in them.
//   client eth0 10.201.1.2/24 ── gw-c 10.201.1.1/24 [gateway] gw-p 10.201.2.1/24 ── eth0 10.201.2.2/24 peer
// The peer namespace also holds 10.201.2.3, an address that no route of the tests admits.
import { execFileSync, spawnSync } from 'node:child_process';

export const CLIENT_IP = '10.201.1.2';
export const GATEWAY_CLIENT_IP = '10.201.1.1';
export const GATEWAY_PEER_IP = '10.201.2.1';
export const PEER_IP = '10.201.2.2';
export const OUTSIDE_PEER_IP = '10.201.2.3';

export interface Topology {
  readonly client: string;
  readonly gateway: string;
  readonly peer: string;
  /** argv prefix that runs a command in a namespace. */
  exec(ns: string): string[];
  /** Runs a command in a namespace and returns its stdout. */
  run(ns: string, command: string, args: string[]): string;
  /** UDP counters of a namespace (/proc/net/snmp `Udp:` line). */
  udpCounters(ns: string): Record<string, number>;
  destroy(): void;
}

/** Whether this process can make namespaces (root with `ip`). */
export function canMakeNamespaces(): boolean {
  return process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status === 0;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Makes the three namespaces. `checksumOffload: false` turns TX checksum offload off on the client's
 * and the peer's veth, so their datagrams carry full checksums that every receiver verifies (a wrong
 * rewrite then shows as InCsumErrors and loss); by default veth passes CHECKSUM_PARTIAL packets.
 */
export function makeTopology(tag: string, options: { checksumOffload?: boolean } = {}): Topology {
  const base = `stn-${tag}-${process.pid}`;
  const t = { client: `${base}-c`, gateway: `${base}-g`, peer: `${base}-p` };
  const destroy = () => {
    for (const ns of [t.client, t.gateway, t.peer]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  };
  try {
    for (const ns of [t.client, t.gateway, t.peer]) {
      ip(['netns', 'add', ns]);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    ip(['-n', t.gateway, 'link', 'add', 'gw-c', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', t.client]);
    ip(['-n', t.gateway, 'link', 'add', 'gw-p', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', t.peer]);
    ip(['-n', t.gateway, 'addr', 'add', `${GATEWAY_CLIENT_IP}/24`, 'dev', 'gw-c']);
    ip(['-n', t.gateway, 'addr', 'add', `${GATEWAY_PEER_IP}/24`, 'dev', 'gw-p']);
    ip(['-n', t.client, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'eth0']);
    ip(['-n', t.peer, 'addr', 'add', `${PEER_IP}/24`, 'dev', 'eth0']);
    ip(['-n', t.peer, 'addr', 'add', `${OUTSIDE_PEER_IP}/24`, 'dev', 'eth0']);
    for (const [ns, dev] of [
      [t.gateway, 'gw-c'],
      [t.gateway, 'gw-p'],
      [t.client, 'eth0'],
      [t.peer, 'eth0'],
    ] as const) {
      ip(['-n', ns, 'link', 'set', dev, 'up']);
    }
    ip(['-n', t.client, 'route', 'add', 'default', 'via', GATEWAY_CLIENT_IP]);
    ip(['-n', t.peer, 'route', 'add', 'default', 'via', GATEWAY_PEER_IP]);
    if (options.checksumOffload === false) {
      for (const ns of [t.client, t.peer]) {
        execFileSync('ip', ['netns', 'exec', ns, 'ethtool', '-K', 'eth0', 'tx', 'off'], { stdio: 'ignore' });
      }
    }
  } catch (err) {
    destroy();
    throw err;
  }
  const exec = (ns: string) => ['ip', 'netns', 'exec', ns];
  const run = (ns: string, command: string, args: string[]) =>
    execFileSync('ip', ['netns', 'exec', ns, command, ...args], { encoding: 'utf8' });
  return {
    ...t,
    exec,
    run,
    udpCounters: (ns) => {
      const lines = run(ns, 'cat', ['/proc/net/snmp']).split('\n');
      const i = lines.findIndex((l) => l.startsWith('Udp:'));
      const names = lines[i]!.split(/\s+/).slice(1);
      const values = lines[i + 1]!.split(/\s+/).slice(1).map(Number);
      return Object.fromEntries(names.map((n, k) => [n, values[k] ?? 0]));
    },
    destroy,
  };
}
