import { BatchUdpSocket, type DatagramSocket, ioLoop } from '@stunner/fastio';
import type { Family } from '@stunner/turn';
import { StunnerdError } from '../errors.ts';
import { DgramDatagramSocket } from './dgram-datagram-socket.ts';
import { adoptUdp, bindUdp } from './udp-socket.ts';

/**
 * How TURN-UDP listeners and relays move datagrams: `batch` (recvmmsg/sendmmsg through one epoll
 * loop per thread, @stunner/fastio) or `dgram` (Node's portable path).
 */
export type UdpIo = 'dgram' | 'batch';

/**
 * The environment variable that carries the choice (stunnerd `--io` sets it, so worker threads
 * inherit it; tests set it to run the suite on either path). Unset: batch where it loads.
 */
export const UDP_IO_ENV = 'STUNNERD_IO';

export function parseUdpIo(value: string): UdpIo {
  if (value === 'dgram' || value === 'batch') return value;
  throw new StunnerdError('STUNNERD_ERR_IO', `--io ${value}: use dgram or batch`);
}

export interface UdpIoChoice {
  io: UdpIo;
  /** Why batch was asked for but dgram is used. */
  fallback?: string;
}

let chosen: UdpIoChoice | undefined;

/** Resolves (once per thread) the I/O to use: the asked one, or dgram when batch cannot load here. */
export function resolveUdpIo(asked: UdpIo | undefined = undefined): UdpIoChoice {
  if (chosen !== undefined && asked === undefined) return chosen;
  const env = process.env[UDP_IO_ENV];
  const want = asked ?? (env ? parseUdpIo(env) : 'batch');
  if (want === 'dgram') {
    chosen = { io: 'dgram' };
  } else {
    try {
      ioLoop();
      chosen = { io: 'batch' };
    } catch (err) {
      chosen = { io: 'dgram', fallback: `batched UDP I/O unavailable, using dgram: ${(err as Error).message}` };
    }
  }
  // Worker threads take the choice from the environment.
  process.env[UDP_IO_ENV] = chosen.io;
  return chosen;
}

/** Binds a UDP socket of `family` on the wildcard at `port` (0: the OS picks) on this thread's I/O path. */
export async function bindDatagram(
  family: Family,
  port: number,
  bufferSize?: number,
  reusePort = false,
): Promise<DatagramSocket> {
  if (resolveUdpIo().io === 'batch') {
    return BatchUdpSocket.bind(family, port, {
      ...(bufferSize ? { bufferSize } : {}),
      reusePort,
    });
  }
  return new DgramDatagramSocket(await bindUdp(family, port, bufferSize, reusePort), family);
}

/**
 * Serves `fd`, a bound UDP socket of `family` held by another thread (a dup of it), on this thread's
 * I/O path; the returned socket owns the descriptor.
 */
export function adoptDatagram(family: Family, fd: number): DatagramSocket {
  if (resolveUdpIo().io === 'batch') return BatchUdpSocket.adopt(fd, family);
  return new DgramDatagramSocket(adoptUdp(family, fd), family);
}
