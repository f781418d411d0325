import { readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

/** A network interface the program can attach to, with its IPv4 addresses and prefixes. */
export interface HostInterface {
  readonly name: string;
  readonly ifindex: number;
  readonly ipv4: ReadonlyArray<{ address: string; prefix: number }>;
}

function ipv4ToInt(address: string): number {
  const p = address.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

function ifindexOf(name: string): number {
  try {
    return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
  } catch {
    return 0;
  }
}

/** This host's interfaces (of the network namespace the process runs in), loopback included. */
export function hostInterfaces(): HostInterface[] {
  const addrs = networkInterfaces();
  let names: string[];
  try {
    names = readdirSync('/sys/class/net');
  } catch {
    names = Object.keys(addrs);
  }
  return names
    .map((name) => ({
      name,
      ifindex: ifindexOf(name),
      ipv4: (addrs[name] ?? [])
        .filter((a) => a.family === 'IPv4')
        .map((a) => ({ address: a.address, prefix: Number(a.cidr?.split('/')[1] ?? 32) })),
    }))
    .filter((i) => i.ifindex > 0);
}

/** The interfaces to attach to: those named, or every interface but loopback when none are. */
export function selectInterfaces(all: readonly HostInterface[], names: readonly string[]): HostInterface[] {
  if (names.length > 0) return all.filter((i) => names.includes(i.name));
  return all.filter((i) => i.name !== 'lo');
}

/**
 * The interface and local address a relayed datagram to `peer` leaves from: the interface whose IPv4
 * subnet holds the peer, else the first non-loopback interface with an IPv4 address (the default
 * route's, in a pod's namespace). The kernel still routes the datagram (bpf_redirect_neigh looks up
 * the next hop); this picks only the device and the source address.
 */
export function egressFor(
  all: readonly HostInterface[],
  peer: string,
): { ifindex: number; source: string } | undefined {
  const p = ipv4ToInt(peer);
  let fallback: { ifindex: number; source: string } | undefined;
  for (const i of all) {
    for (const a of i.ipv4) {
      const mask = a.prefix === 0 ? 0 : (0xffffffff << (32 - a.prefix)) >>> 0;
      if ((ipv4ToInt(a.address) & mask) >>> 0 === (p & mask) >>> 0 && i.name !== 'lo') {
        return { ifindex: i.ifindex, source: a.address };
      }
      if (fallback === undefined && i.name !== 'lo') fallback = { ifindex: i.ifindex, source: a.address };
    }
  }
  return fallback;
}
