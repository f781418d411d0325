import type { Socket } from 'node:dgram';
import type { Family } from '@stunner/turn';
import { bindUdp, closeQuietly } from '../sockets/udp-socket.ts';

/** Kernel buffers of a listener socket, which all its clients share. */
const LISTENER_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Binds a UDP listener's sockets on the wildcard at one port (stunner-v1.md §1.8): IPv4, then IPv6
 * on the same port unless `ipv6` is false or the host has no IPv6. On failure the sockets already
 * bound are closed and the error is thrown.
 */
export async function bindListenerSockets(
  port: number,
  ipv6: boolean,
  reusePort = false,
): Promise<Array<{ family: Family; socket: Socket }>> {
  const bound: Array<{ family: Family; socket: Socket }> = [];
  for (const family of ipv6 ? (['IPv4', 'IPv6'] as const) : (['IPv4'] as const)) {
    try {
      const socket = await bindUdp(family, port, LISTENER_BUFFER_BYTES, reusePort);
      bound.push({ family, socket });
      port = socket.address().port;
    } catch (err) {
      if (family === 'IPv6' && (err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') continue;
      for (const b of bound) closeQuietly(b.socket);
      throw err;
    }
  }
  return bound;
}
