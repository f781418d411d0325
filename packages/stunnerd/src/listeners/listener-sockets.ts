import type { Socket } from 'node:dgram';
import type { DatagramSocket } from '@stunner/fastio';
import type { Family } from '@stunner/turn';
import { adoptDatagram, bindDatagram } from '../sockets/udp-io.ts';
import { bindUdp, closeQuietly } from '../sockets/udp-socket.ts';

/** Kernel buffers of a listener socket, which all its clients share. */
export const LISTENER_BUFFER_BYTES = 4 * 1024 * 1024;

interface Binder<S> {
  bind(family: Family, port: number): Promise<S>;
  portOf(socket: S): number;
  close(socket: S): void;
}

/**
 * Binds a UDP listener's sockets on the wildcard at one port (stunner-v1.md §1.8): IPv4, then IPv6
 * on the same port unless `ipv6` is false or the host has no IPv6. On failure the sockets already
 * bound are closed and the error is thrown.
 */
async function bindPair<S>(
  port: number,
  ipv6: boolean,
  binder: Binder<S>,
): Promise<Array<{ family: Family; socket: S }>> {
  const bound: Array<{ family: Family; socket: S }> = [];
  for (const family of ipv6 ? (['IPv4', 'IPv6'] as const) : (['IPv4'] as const)) {
    try {
      const socket = await binder.bind(family, port);
      bound.push({ family, socket });
      port = binder.portOf(socket);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (family === 'IPv6' && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue;
      for (const b of bound) binder.close(b.socket);
      throw err;
    }
  }
  return bound;
}

/** dgram sockets of a listener (the DTLS listener, whose DTLS layer needs dgram). */
export function bindListenerSockets(
  port: number,
  ipv6: boolean,
  reusePort = false,
): Promise<Array<{ family: Family; socket: Socket }>> {
  return bindPair<Socket>(port, ipv6, {
    bind: (family, p) => bindUdp(family, p, LISTENER_BUFFER_BYTES, reusePort),
    portOf: (s) => s.address().port,
    close: (s) => closeQuietly(s),
  });
}

/** The TURN-UDP listener's sockets on this thread's I/O path (batch or dgram). */
export function bindListenerDatagrams(
  port: number,
  ipv6: boolean,
  reusePort = false,
): Promise<Array<{ family: Family; socket: DatagramSocket }>> {
  return bindPair<DatagramSocket>(port, ipv6, {
    bind: (family, p) => bindDatagram(family, p, LISTENER_BUFFER_BYTES, reusePort),
    portOf: (s) => s.port,
    close: (s) => s.close(),
  });
}

/** A bound listener socket held by another thread, passed by descriptor (a dup this thread may own). */
export interface HeldSocket {
  family: Family;
  fd: number;
}

/** The TURN-UDP listener's sockets from descriptors the main thread holds (ReusePortGroup). */
export function adoptListenerDatagrams(held: readonly HeldSocket[]): Array<{ family: Family; socket: DatagramSocket }> {
  const adopted: Array<{ family: Family; socket: DatagramSocket }> = [];
  try {
    for (const { family, fd } of held) adopted.push({ family, socket: adoptDatagram(family, fd) });
  } catch (err) {
    // Descriptors not adopted stay in this thread's fd table, closed when the thread ends.
    for (const a of adopted) a.socket.close();
    throw err;
  }
  return adopted;
}
