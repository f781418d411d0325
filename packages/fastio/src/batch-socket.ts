import { DestinationCache, SourceCache } from './address-cache.ts';
import type { DatagramHandler, DatagramSocket, UdpSource } from './datagram-socket.ts';
import type { Family } from './family.ts';
import { fdOpened } from './fd-table.ts';
import { type IoLoop, ioLoop } from './io-loop.ts';
import type { LoopSocket } from './loop-types.ts';
import { closeUdpFd, openUdpFd, type UdpFdOptions, udpFdPort } from './udp-fd.ts';

export type BatchBindOptions = UdpFdOptions;

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
    const fd = openUdpFd(family, port, options);
    return BatchUdpSocket.#serve(loop, fd, family);
  }

  /**
   * Serves a bound UDP socket of `family` opened elsewhere (another thread's `dupFd`): from here on
   * it belongs to this socket, which records it in this thread's fd table and closes it.
   */
  static adopt(fd: number, family: Family): BatchUdpSocket {
    const loop = ioLoop();
    fdOpened(fd);
    return BatchUdpSocket.#serve(loop, fd, family);
  }

  static #serve(loop: IoLoop, fd: number, family: Family): BatchUdpSocket {
    try {
      const socket = new BatchUdpSocket(loop, fd, family, udpFdPort(fd));
      loop.add(socket);
      return socket;
    } catch (err) {
      closeUdpFd(fd);
      throw err;
    }
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
    closeUdpFd(this.fd);
  }
}
