// Kernel drop counters of UDP sockets (datagrams discarded because the socket's receive queue was
// full), read from /proc/net/udp and /proc/net/udp6 (Linux): how the flood tests tell what stunnerd
// never saw from what it saw and did not answer.
import { readFileSync } from 'node:fs';

export interface SocketName {
  address: string;
  port: number;
}

/** `a.b.c.d` as /proc/net/udp writes it: the 32-bit word in host (little-endian) order, in hex. */
function procIPv4(address: string): string {
  return address
    .split('.')
    .reverse()
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

function rows(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 13);
  } catch {
    return [];
  }
}

/** Datagrams dropped at the IPv4 sockets `names` (0 where /proc/net/udp cannot be read). */
export function socketDrops(names: readonly SocketName[]): number {
  const wanted = new Set(
    names.map((n) => `${procIPv4(n.address)}:${n.port.toString(16).padStart(4, '0').toUpperCase()}`),
  );
  let drops = 0;
  for (const f of rows('/proc/net/udp')) if (wanted.has(f[1]!)) drops += Number(f[12]);
  return drops;
}

/** Datagrams dropped at every UDP socket (IPv4 and IPv6) bound to local `port`, whatever its address. */
export function portDrops(port: number): number {
  const suffix = `:${port.toString(16).padStart(4, '0').toUpperCase()}`;
  let drops = 0;
  for (const file of ['/proc/net/udp', '/proc/net/udp6'])
    for (const f of rows(file)) if (f[1]!.endsWith(suffix)) drops += Number(f[12]);
  return drops;
}
