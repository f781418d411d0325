import type { Socket } from 'node:dgram';
import type { DatagramHandler, DatagramSocket, Family, UdpSource } from '@stunner/fastio';
import { writeChannelDataHeader } from '@stunner/stun';
import { closeQuietly } from './udp-socket.ts';

/** The portable path: a dgram socket behind the DatagramSocket surface (one libuv callback per datagram). */
export class DgramDatagramSocket implements DatagramSocket {
  readonly family: Family;
  readonly port: number;
  readonly reusesBuffers = false;
  readonly #socket: Socket;

  constructor(socket: Socket, family: Family) {
    this.#socket = socket;
    this.family = family;
    this.port = socket.address().port;
    socket.on('error', () => {});
  }

  onDatagram(handler: DatagramHandler): void {
    this.#socket.removeAllListeners('message');
    // rinfo is new for every datagram, so it serves as the UdpSource (its `tag` starts undefined).
    this.#socket.on('message', (msg, rinfo) => handler(msg, rinfo as unknown as UdpSource));
  }

  send(data: Buffer, offset: number, length: number, port: number, address: string): void {
    this.#socket.send(data, offset, length, port, address);
  }

  sendChannelData(channel: number, data: Buffer, offset: number, length: number, port: number, address: string): void {
    // One pooled buffer per packet: the header must precede the payload in a single datagram.
    const out = Buffer.allocUnsafe(4 + length);
    writeChannelDataHeader(out, 0, channel, length);
    data.copy(out, 4, offset, offset + length);
    this.#socket.send(out, port, address);
  }

  close(): void {
    closeQuietly(this.#socket);
  }
}
