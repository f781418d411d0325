import { type IpPrefix, parsePrefix } from './ip-prefix.ts';

/** A STATIC cluster endpoint: an address prefix and the peer ports it opens (stunner-v1.md §1.2). */
export interface ClusterEndpoint {
  readonly prefix: IpPrefix;
  readonly minPort: number;
  readonly maxPort: number;
}

const PORT_RANGE = /^(.*):<(\d+)-(\d+)>$/;

/**
 * Parses `<IP or CIDR>[:<min-max>]`: a plain IP is a /32 (or /128), no range opens ports 1–65535.
 * Returns an error text naming what is wrong instead of throwing, so a config check can report it.
 */
export function parseClusterEndpoint(text: string): ClusterEndpoint | string {
  let address = text.trim();
  let minPort = 1;
  let maxPort = 65535;
  const range = PORT_RANGE.exec(address);
  if (range) {
    address = range[1]!;
    minPort = Number(range[2]);
    maxPort = Number(range[3]);
    if (minPort > 65535 || maxPort > 65535 || minPort > maxPort) {
      return `endpoint "${text}": port range <${range[2]}-${range[3]}> must satisfy 0 ≤ min ≤ max ≤ 65535`;
    }
  }
  const prefix = parsePrefix(address);
  if (!prefix) return `endpoint "${text}": "${address}" is not an IP address or CIDR prefix`;
  return { prefix, minPort, maxPort };
}
