import { X509Certificate } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { TransportAddress } from '@stunner/stun';
import { DtlsClient } from 'werift-dtls/lib/dtls/src/index.js';
import { TurnClientError } from './errors.ts';
import type { ClientTransport, ClientTransportEvents, TransportConnectOptions } from './transport.ts';
import { resolveHost } from './udp-transport.ts';

/** Above any sequence number the handshake can have used in epoch 1. */
const FIRST_APPLICATION_SEQUENCE = 1024;

function familyOf(address: string): 'IPv4' | 'IPv6' {
  return address.includes(':') ? 'IPv6' : 'IPv4';
}

/**
 * TURN over DTLS 1.2 (RFC 7350 §4.2): one DTLS association on a connected UDP socket, each
 * application record one STUN or ChannelData message. werift-dtls does the record layer.
 */
export class DtlsTransport extends EventEmitter<ClientTransportEvents> implements ClientTransport {
  readonly kind = 'dtls';
  // DTLS records can be lost like datagrams, so requests are retransmitted as over UDP.
  readonly reliable = false;
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly #socket: Socket;
  readonly #dtls: DtlsClient;
  #closed = false;

  private constructor(socket: Socket, dtls: DtlsClient, remote: TransportAddress) {
    super();
    this.#socket = socket;
    this.#dtls = dtls;
    this.remote = remote;
    const a = socket.address();
    this.local = { family: familyOf(a.address), address: a.address, port: a.port };
    dtls.onData.subscribe((data) => this.emit('frame', data));
    dtls.onClose.subscribe(() =>
      this.#shutdown(new TurnClientError('TURN_CLIENT_ERR_CLOSED', 'the server closed the DTLS association')),
    );
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') this.emit('warning', err);
      else this.#shutdown(err);
    });
  }

  static async connect(options: TransportConnectOptions): Promise<DtlsTransport> {
    const address = await resolveHost(options.host);
    const family = familyOf(address);
    const target = `dtls://${options.host}:${options.port}`;
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    const socket = createSocket(family === 'IPv6' ? 'udp6' : 'udp4');
    let dtls: DtlsClient | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(options.port, address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      const local = socket.address();
      const transport = {
        type: 'udp',
        address: local,
        closed: false,
        onData: (_data: Buffer, _addr: unknown): void => {},
        send: async (data: Buffer): Promise<void> => {
          if (!transport.closed) socket.send(data);
        },
        close: async (): Promise<void> => {
          transport.closed = true;
        },
      };
      socket.on('message', (msg, rinfo) => transport.onData(msg, [rinfo.address, rinfo.port]));
      const client = new DtlsClient({ transport });
      dtls = client;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no DTLS handshake within ${timeoutMs} ms`)), timeoutMs);
        const onError = (err: NodeJS.ErrnoException): void => {
          if (err.code === 'ECONNREFUSED') finish(new Error('nothing listens there (ICMP port unreachable)'));
        };
        const finish = (err?: Error): void => {
          clearTimeout(timer);
          socket.off('error', onError);
          if (err) reject(err);
          else resolve();
        };
        socket.on('error', onError);
        client.onConnect.once(() => finish());
        client.onError.once((err) => finish(err));
        client.connect().catch(finish);
      });
      if (!options.insecure) verifyCertificate(client.remoteCertificate, options, address);
      // werift-dtls 0.5.8 sends its Finished in epoch 1 with sequence number n (counted on from epoch 0),
      // then restarts at 1 for application data, so the n-th record repeats the Finished's number and
      // the server's replay check (RFC 6347 §4.1.2.6) silently drops it. Start application data past it.
      client.dtls.recordSequenceNumber = Math.max(client.dtls.recordSequenceNumber, FIRST_APPLICATION_SEQUENCE);
    } catch (cause) {
      if (dtls) stopHandshake(dtls);
      socket.close();
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new TurnClientError('TURN_CLIENT_ERR_CONNECT', `cannot connect to ${target}: ${message}`, { cause });
    }
    return new DtlsTransport(socket, dtls, { family, address, port: options.port });
  }

  send(message: Buffer): void {
    if (this.#closed) return;
    this.#dtls.send(message).catch((err: Error) => this.#shutdown(err));
  }

  close(): void {
    this.#shutdown();
  }

  #shutdown(err?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dtls.close();
    this.#socket.close();
    this.emit('close', err);
  }
}

/**
 * werift-dtls retransmits a handshake flight on its own timers (up to about 33 s) until its flight
 * counter moves on; moving it on ends that loop at its next wake-up, so a failed connect does not
 * keep the process alive.
 */
function stopHandshake(dtls: DtlsClient): void {
  dtls.dtls.flight = Number.MAX_SAFE_INTEGER;
  dtls.close();
}

/**
 * werift-dtls does not check the server certificate (WebRTC pins fingerprints instead), so do what
 * a TLS client would: the name or IP must match, the dates must hold, and a trusted CA must have signed it.
 */
function verifyCertificate(der: Buffer | undefined, options: TransportConnectOptions, address: string): void {
  const insecureHint = ' (use -i/--insecure for self-signed certificates)';
  if (!der) throw new Error('the server sent no certificate');
  const cert = new X509Certificate(der);
  const now = Date.now();
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
    throw new Error(`the server certificate is not valid now (${cert.validFrom} – ${cert.validTo})`);
  }
  const name = options.servername ?? options.host;
  const matches = isIP(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name) !== undefined;
  if (!matches && !(options.servername === undefined && cert.checkIP(address) !== undefined)) {
    throw new Error(`the server certificate is not valid for ${name}${insecureHint}`);
  }
  const roots = options.ca === undefined ? rootCertificates : Array.isArray(options.ca) ? options.ca : [options.ca];
  for (const pem of roots) {
    const root = new X509Certificate(pem);
    if (cert.checkIssued(root) && cert.verify(root.publicKey)) return;
  }
  throw new Error(`the server certificate is not signed by a trusted CA${insecureHint}`);
}
