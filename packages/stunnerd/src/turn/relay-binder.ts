import { createSocket, type Socket } from 'node:dgram';
import { type LookupOneOptions, lookup } from 'node:dns';
import { isIP } from 'node:net';
import type { Family } from '@stunner/turn';

/** Ports tried for EVEN-PORT (RFC 8656 §14.6): the IANA dynamic range, even numbers only. */
const EVEN_PORT_MIN = 49152;
const EVEN_PORT_MAX = 65534;
const EVEN_PORT_ATTEMPTS = 32;
/** Kernel buffers of each relay socket (one peer stream each, mostly). */
const RELAY_BUFFER_BYTES = 1024 * 1024;

/**
 * The `lookup` of every socket bound here. dgram passes each send's address through it, and the
 * default `dns.lookup` answers even an IP literal on the next tick, so each relayed datagram would
 * wait for a `process.nextTick` round (a closure, a queue entry and a tick per packet) before its
 * sendmsg. stunnerd only ever sends to IP literals (from the socket's rinfo or a decoded
 * XOR-PEER-ADDRESS), so those are answered synchronously and the datagram leaves within `send()`;
 * anything else still goes to `dns.lookup`.
 */
export function ipLiteralLookup(
  hostname: string,
  options: LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  lookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
}

/**
 * Binds one UDP socket of `family` on the wildcard at `port` (0: the OS picks). `bufferSize` asks for
 * larger kernel buffers (capped by net.core.rmem_max/wmem_max): bursts the event loop cannot drain at
 * once queue there instead of being dropped.
 */
export function bindUdp(family: Family, port: number, bufferSize?: number, reusePort = false): Promise<Socket> {
  const v6 = family === 'IPv6';
  const socket = createSocket({
    type: v6 ? 'udp6' : 'udp4',
    ipv6Only: v6,
    lookup: ipLiteralLookup,
    // SO_REUSEPORT (Node ≥ 22.12): the kernel hashes each 5-tuple to one of the sockets on the port.
    ...(reusePort ? { reusePort: true } : {}),
    ...(bufferSize ? { recvBufferSize: bufferSize, sendBufferSize: bufferSize } : {}),
  });
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', fail);
    socket.bind(port, v6 ? '::' : '0.0.0.0', () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

function randomEvenPort(): number {
  return EVEN_PORT_MIN + 2 * Math.floor(Math.random() * ((EVEN_PORT_MAX - EVEN_PORT_MIN) / 2 + 1));
}

function closeQuietly(socket: Socket | undefined): void {
  try {
    socket?.close();
  } catch {
    // already closed
  }
}

export interface BoundRelay {
  /** One socket per family, in the order asked for. */
  readonly sockets: Socket[];
  /** The next port, held for an Allocate with the RESERVATION-TOKEN (EVEN-PORT R=1). */
  readonly reserved: Socket | undefined;
}

/**
 * Binds the relay sockets of one allocation (RFC 8656 §7.2): one per family on the same port where
 * possible; an even port (and the next one reserved) when EVEN-PORT asks. Families after the first
 * that cannot be bound are left out (the engine reports them in ADDRESS-ERROR-CODE). Rejects when the
 * first family cannot be bound.
 */
export async function bindRelay(families: readonly Family[], evenPort: boolean, reserve: boolean): Promise<BoundRelay> {
  const [first, ...rest] = families;
  if (first === undefined) throw new Error('no address family to bind');
  let primary: Socket | undefined;
  let reserved: Socket | undefined;
  if (!evenPort) {
    primary = await bindUdp(first, 0, RELAY_BUFFER_BYTES);
  } else {
    for (let i = 0; i < EVEN_PORT_ATTEMPTS && primary === undefined; i++) {
      const port = randomEvenPort();
      const s = await bindUdp(first, port, RELAY_BUFFER_BYTES).catch(() => undefined);
      if (s === undefined) continue;
      if (reserve) {
        reserved = await bindUdp(first, port + 1, RELAY_BUFFER_BYTES).catch(() => undefined);
        if (reserved === undefined) {
          closeQuietly(s);
          continue;
        }
      }
      primary = s;
    }
    if (primary === undefined) throw new Error('no free even port pair');
  }
  const sockets = [primary];
  const port = primary.address().port;
  for (const family of rest) {
    const s =
      (await bindUdp(family, port, RELAY_BUFFER_BYTES).catch(() => undefined)) ??
      (await bindUdp(family, 0, RELAY_BUFFER_BYTES).catch(() => undefined));
    if (s !== undefined) sockets.push(s);
  }
  return { sockets, reserved };
}

export { closeQuietly };

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
