import { createSocket, type Socket } from 'node:dgram';
import { type LookupOneOptions, lookup } from 'node:dns';
import { isIP } from 'node:net';
import { closeUdpFd, fdHandedOff } from '@stunner/fastio';
import type { Family } from '@stunner/turn';

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

/**
 * A dgram socket over `fd`, a bound UDP socket of `family` another thread holds (a dup of it): the
 * socket keeps its options (SO_REUSEPORT, buffers) and its place in the port's group. libuv owns the
 * descriptor from here on and closes it with the socket or when this thread ends.
 */
export function adoptUdp(family: Family, fd: number): Socket {
  const socket = createSocket({ type: family === 'IPv6' ? 'udp6' : 'udp4', lookup: ipLiteralLookup });
  // Dropped from the fd table first: if this thread dies in between, the descriptor leaks rather
  // than being closed twice (the second close could hit a reused number).
  fdHandedOff(fd);
  try {
    socket.bind({ fd, exclusive: true });
  } catch (err) {
    closeUdpFd(fd);
    throw err;
  }
  return socket;
}

/** Closes a socket that may already be closed. */
export function closeQuietly(socket: Socket | undefined): void {
  try {
    socket?.close();
  } catch {
    // already closed
  }
}
