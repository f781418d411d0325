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

/** Destinations a relayed datagram must not be redirected to: they are not one unicast host on a link. */
function notOnALink(p: number): boolean {
  const first = p >>> 24;
  // 0.0.0.0/8 and 127.0.0.0/8 mean this host; 224.0.0.0/4 multicast; 240.0.0.0/4 reserved and broadcast.
  return first === 0 || first === 127 || first >= 224;
}

/**
 * The interface and local address a relayed datagram to `peer` leaves from: the interface whose IPv4
 * subnet holds the peer, else the first non-loopback interface with an IPv4 address (the default
 * route's, in a pod's namespace). The kernel still routes the datagram (bpf_redirect_neigh looks up
 * the next hop); this picks only the device and the source address. Undefined when the peer is not a
 * unicast host beyond this one (this host's own or loopback addresses, multicast, broadcast): a route
 * may name such a peer explicitly, and then userspace relays to it, which delivers locally as the
 * kernel's redirect to a device would not.
 */
export function egressFor(
  all: readonly HostInterface[],
  peer: string,
): { ifindex: number; source: string } | undefined {
  const p = ipv4ToInt(peer);
  if (notOnALink(p)) return undefined;
  let fallback: { ifindex: number; source: string } | undefined;
  let onLink: { ifindex: number; source: string } | undefined;
  for (const i of all) {
    for (const a of i.ipv4) {
      const own = ipv4ToInt(a.address);
      if (own === p) return undefined;
      const mask = a.prefix === 0 ? 0 : (0xffffffff << (32 - a.prefix)) >>> 0;
      const inSubnet = (own & mask) >>> 0 === (p & mask) >>> 0;
      // The subnet's broadcast address (for prefixes that have one) is not a peer either.
      if (inSubnet && a.prefix < 31 && (p | mask) >>> 0 === 0xffffffff) return undefined;
      if (inSubnet && i.name !== 'lo' && onLink === undefined) onLink = { ifindex: i.ifindex, source: a.address };
      if (fallback === undefined && i.name !== 'lo') fallback = { ifindex: i.ifindex, source: a.address };
    }
  }
  return onLink ?? fallback;
}
