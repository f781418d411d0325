import type { Family } from './family.ts';

/**
 * Where a datagram came from. The batched path hands the same object to every datagram of one
 * source (cached by its numeric address and port), so `tag` can hold what the consumer derives
 * from it (stunnerd: the engine's ClientEndpoint) and no per-packet string or object is built.
 * The dgram path makes one per datagram, as dgram's rinfo already is.
 */
export interface UdpSource {
  readonly address: string;
  readonly port: number;
  tag: unknown;
}

/**
 * Called for each datagram. `data` is valid only during the call (the batched path reuses its
 * receive buffers); copy what must outlive it.
 */
export type DatagramHandler = (data: Buffer, source: UdpSource) => void;

/**
 * The UDP socket surface stunnerd's listener and relay pool use, implemented by dgram (portable)
 * and by BatchUdpSocket (recvmmsg/sendmmsg).
 */
export interface DatagramSocket {
  readonly family: Family;
  /** Whether handed datagrams live in buffers the socket reuses (copy what must outlive the handler). */
  readonly reusesBuffers: boolean;
  /** The bound local port. */
  readonly port: number;
  onDatagram(handler: DatagramHandler): void;
  /** Sends `data[offset, offset + length)` to an IP literal. Failures are dropped, as UDP's are. */
  send(data: Buffer, offset: number, length: number, port: number, address: string): void;
  /** Sends a 4-byte ChannelData header (RFC 8656 §12.4) then `data[offset, offset + length)` as one datagram. */
  sendChannelData(channel: number, data: Buffer, offset: number, length: number, port: number, address: string): void;
  /** Idempotent. */
  close(): void;
}
