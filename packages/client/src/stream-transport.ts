import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { StreamFramer, type TransportAddress } from '@stunner/stun';
import { TurnClientError } from './errors.ts';
import type { ClientTransport, ClientTransportEvents, TransportConnectOptions } from './transport.ts';
import { resolveHost } from './udp-transport.ts';

function addressOf(address: string | undefined, port: number | undefined): TransportAddress {
  const a = address ?? '';
  return { family: a.includes(':') ? 'IPv6' : 'IPv4', address: a, port: port ?? 0 };
}

/** TURN over TCP or TLS: STUN and padded ChannelData frames on one byte stream (RFC 8656 §12.5). */
export class StreamTransport extends EventEmitter<ClientTransportEvents> implements ClientTransport {
  readonly kind: 'tcp' | 'tls';
  readonly reliable = true;
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly #socket: Socket;
  #closed = false;

  private constructor(kind: 'tcp' | 'tls', socket: Socket) {
    super();
    this.kind = kind;
    this.#socket = socket;
    this.local = addressOf(socket.localAddress, socket.localPort);
    this.remote = addressOf(socket.remoteAddress, socket.remotePort);
    const framer = new StreamFramer((frame) => this.emit('frame', frame));
    socket.on('data', (chunk: Buffer) => {
      try {
        framer.push(chunk);
      } catch (cause) {
        this.#shutdown(
          new TurnClientError('TURN_CLIENT_ERR_PROTOCOL', 'the server sent a byte stream that is not STUN/TURN', {
            cause,
          }),
        );
      }
    });
    const target = `${kind}://${this.remote.address}:${this.remote.port}`;
    socket.on('error', (cause) =>
      this.#shutdown(
        new TurnClientError('TURN_CLIENT_ERR_CLOSED', `the connection to ${target} failed: ${cause.message}`, {
          cause,
        }),
      ),
    );
    socket.on('close', () =>
      this.#shutdown(new TurnClientError('TURN_CLIENT_ERR_CLOSED', `the server ${target} closed the connection`)),
    );
  }

  static async connect(options: TransportConnectOptions): Promise<StreamTransport> {
    const kind = options.kind === 'tls' ? 'tls' : 'tcp';
    return new StreamTransport(kind, await connectStreamSocket(options));
  }

  send(message: Buffer): void {
    if (this.#closed) return;
    this.#socket.write(message);
  }

  close(): void {
    this.#shutdown();
  }

  #shutdown(err?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    this.emit('close', err);
  }
}

/**
 * A TCP or TLS connection to the server, ready to write: the control connection of a stream
 * transport, or an RFC 6062 data connection.
 */
export async function connectStreamSocket(options: TransportConnectOptions): Promise<Socket> {
  const kind = options.kind === 'tls' ? 'tls' : 'tcp';
  const address = await resolveHost(options.host);
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const target = `${kind}://${options.host}:${options.port}`;
  let socket: Socket;
  if (kind === 'tls') {
    const servername = options.servername ?? (options.host === address ? undefined : options.host);
    socket = tlsConnect({
      host: address,
      port: options.port,
      servername,
      rejectUnauthorized: !options.insecure,
      ca: options.ca,
      minVersion: 'TLSv1.2',
    });
  } else {
    socket = netConnect({ host: address, port: options.port });
  }
  socket.setNoDelay(true);
  const ready = kind === 'tls' ? 'secureConnect' : 'connect';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      socket.off('error', finish);
      socket.off(ready, onReady);
      if (err) reject(err);
      else resolve();
    };
    const onReady = (): void => finish();
    socket.once('error', finish);
    socket.once(ready, onReady);
  }).catch((cause: Error) => {
    socket.destroy();
    const hint =
      kind === 'tls' && /certificate|self.signed|altnames|issuer/i.test(cause.message)
        ? ' (the server certificate is not trusted: use -i/--insecure for self-signed certificates, or --sni to name the host)'
        : '';
    throw new TurnClientError('TURN_CLIENT_ERR_CONNECT', `cannot connect to ${target}: ${cause.message}${hint}`, {
      cause,
    });
  });
  return socket;
}
