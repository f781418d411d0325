import { writeIpBytes } from '@stunner/stun';
import { DestinationCache, SourceCache } from './address-cache.ts';
import type { DatagramHandler, DatagramSocket, UdpSource } from './datagram-socket.ts';
import { SocketCallError } from './errors.ts';
import type { Family } from './family.ts';
import { fdClosed, fdOpened } from './fd-table.ts';
import { type IoLoop, ioLoop } from './io-loop.ts';
import {
  AF_INET,
  AF_INET6,
  errnoCode,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  lastErrno,
  SO_RCVBUF,
  SO_REUSEPORT,
  SO_SNDBUF,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOL_SOCKET,
} from './libc.ts';
import type { LoopSocket } from './loop-types.ts';

export interface BatchBindOptions {
  /** Local IP literal; default the wildcard of the family. */
  address?: string;
  /** SO_RCVBUF and SO_SNDBUF, bytes (capped by net.core.rmem_max/wmem_max). */
  bufferSize?: number;
  /** SO_REUSEPORT: several sockets (threads) share the port; the kernel hashes 5-tuples among them. */
  reusePort?: boolean;
}

const dropDatagram: DatagramHandler = () => {};

/**
 * A UDP socket served by this thread's IoLoop: datagrams arrive in recvmmsg batches and leave in
 * sendmmsg batches flushed at the end of each wake-up (or in a microtask when sent from elsewhere).
 */
export class BatchUdpSocket implements DatagramSocket, LoopSocket {
  readonly fd: number;
  readonly family: Family;
  readonly port: number;
  readonly reusesBuffers = true;
  truncated = 0;
  #closed = false;
  #handler: DatagramHandler = dropDatagram;
  readonly #loop: IoLoop;
  readonly #sources = new SourceCache();
  readonly #destinations = new DestinationCache();

  private constructor(loop: IoLoop, fd: number, family: Family, port: number) {
    this.#loop = loop;
    this.fd = fd;
    this.family = family;
    this.port = port;
  }

  /** Opens and binds a socket of `family` at `port` (0: the OS picks). Throws SocketCallError with Node's errno `code`. */
  static bind(family: Family, port: number, options: BatchBindOptions = {}): BatchUdpSocket {
    const loop = ioLoop();
    const libc = loop.libc;
    const v6 = family === 'IPv6';
    const fd = libc.socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw callError('socket');
    fdOpened(fd);
    const { base, bytes } = loop.control;
    const at = loop.scratch;
    const fail = (syscall: string): SocketCallError => {
      const err = callError(syscall);
      closeFd(fd);
      return err;
    };
    const setInt = (level: number, name: number, value: number, syscall: string): void => {
      bytes.writeInt32LE(value, at + 64);
      if (libc.setsockopt(fd, level, name, base + at + 64, 4) < 0) throw fail(syscall);
    };
    if (v6) setInt(IPPROTO_IPV6, IPV6_V6ONLY, 1, 'setsockopt(IPV6_V6ONLY)');
    if (options.reusePort) setInt(SOL_SOCKET, SO_REUSEPORT, 1, 'setsockopt(SO_REUSEPORT)');
    if (options.bufferSize) {
      setInt(SOL_SOCKET, SO_RCVBUF, options.bufferSize, 'setsockopt(SO_RCVBUF)');
      setInt(SOL_SOCKET, SO_SNDBUF, options.bufferSize, 'setsockopt(SO_SNDBUF)');
    }
    bytes.fill(0, at, at + 32);
    bytes.writeUInt16LE(v6 ? AF_INET6 : AF_INET, at);
    bytes.writeUInt16BE(port, at + 2);
    if (options.address !== undefined) writeIpBytes(options.address, bytes, at + (v6 ? 8 : 4));
    if (libc.bind(fd, base + at, v6 ? 28 : 16) < 0) throw fail('bind');
    bytes.writeUInt32LE(32, at + 32);
    if (libc.getsockname(fd, base + at, base + at + 32) < 0) throw fail('getsockname');
    const socket = new BatchUdpSocket(loop, fd, family, bytes.readUInt16BE(at + 2));
    try {
      loop.add(socket);
    } catch (err) {
      closeFd(fd);
      throw err;
    }
    return socket;
  }

  get closed(): boolean {
    return this.#closed;
  }

  onDatagram(handler: DatagramHandler): void {
    this.#handler = handler;
  }

  deliver(data: Buffer, u32: Uint32Array, bytes: Buffer, nameWord: number): void {
    const source: UdpSource = this.#sources.lookup(u32, bytes, nameWord);
    this.#handler(data, source);
  }

  send(data: Buffer, offset: number, length: number, port: number, address: string): void {
    if (this.#closed) return;
    this.#loop.send(this.fd, data, offset, length, this.#destinations.get(address), port);
  }

  sendChannelData(channel: number, data: Buffer, offset: number, length: number, port: number, address: string): void {
    if (this.#closed) return;
    this.#loop.sendChannelData(this.fd, channel, data, offset, length, this.#destinations.get(address), port);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#loop.remove(this);
    closeFd(this.fd);
  }
}

function closeFd(fd: number): void {
  fdClosed(fd);
  ioLoop().libc.close(fd);
}

function callError(syscall: string): SocketCallError {
  const errno = lastErrno();
  return new SocketCallError(syscall, errno, errnoCode(errno));
}
