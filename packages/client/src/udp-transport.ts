import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import type { TransportAddress } from '@stunner/stun';
import { TurnClientError } from './errors.ts';
import type { ClientTransport, ClientTransportEvents } from './transport.ts';

function familyOf(address: string): 'IPv4' | 'IPv6' {
  return address.includes(':') ? 'IPv6' : 'IPv4';
}

/** Resolves a host name or IP literal to the first address of either family. */
export async function resolveHost(host: string): Promise<string> {
  try {
    return (await lookup(host)).address;
  } catch (cause) {
    throw new TurnClientError('TURN_CLIENT_ERR_CONNECT', `cannot resolve TURN server host "${host}"`, { cause });
  }
}

/** A UDP socket connected to the server; every datagram is one frame. */
export class UdpTransport extends EventEmitter<ClientTransportEvents> implements ClientTransport {
  readonly kind = 'udp';
  readonly reliable = false;
  readonly #socket: Socket;
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  #closed = false;

  private constructor(socket: Socket, remote: TransportAddress) {
    super();
    this.#socket = socket;
    this.remote = remote;
    const a = socket.address();
    this.local = { family: familyOf(a.address), address: a.address, port: a.port };
    socket.on('message', (msg) => this.emit('frame', msg));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // An ICMP port unreachable surfaces as ECONNREFUSED on a connected socket; the transaction
      // layer still retransmits (RFC 8489 §6.2.1) and reports the timeout, mentioning this.
      if (err.code === 'ECONNREFUSED') this.emit('warning', err);
      else this.#shutdown(err);
    });
  }

  static async connect(host: string, port: number): Promise<UdpTransport> {
    const address = await resolveHost(host);
    const family = familyOf(address);
    const socket = createSocket(family === 'IPv6' ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((cause: unknown) => {
      socket.close();
      throw new TurnClientError('TURN_CLIENT_ERR_CONNECT', `cannot open UDP to ${address}:${port}`, { cause });
    });
    return new UdpTransport(socket, { family, address, port });
  }

  send(message: Buffer): void {
    if (this.#closed) return;
    this.#socket.send(message);
  }

  close(): void {
    this.#shutdown();
  }

  #shutdown(err?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    this.emit('close', err);
  }
}
