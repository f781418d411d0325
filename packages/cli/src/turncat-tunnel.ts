import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { type PeerAddress, TurnClient, type TurnClientOptions } from '@stunner/client';
import type { Logger } from '@stunner/log';
import type { ClientAddress, TurnServerSpec } from './turncat-uri.ts';

/** Largest datagram cut from a stream (TCP client or stdin): one Ethernet MTU's worth. */
export const STREAM_CHUNK = 1400;

export interface TurncatOptions {
  listen: ClientAddress;
  server: TurnServerSpec;
  peer: PeerAddress;
  /** TLS/DTLS: accept any server certificate (`-i`). Default false. */
  insecure?: boolean;
  /** TLS/DTLS server name (`--sni`). Default the server host. */
  servername?: string;
  logger: Logger;
  /** Further TURN client options (timers, retransmission). */
  client?: Partial<TurnClientOptions>;
  /** For `-`: the streams to use. Default process.stdin and process.stdout. */
  stdin?: Readable;
  stdout?: Writable;
  /** For `-`: called when the allocation ends while turncat runs (server gone, refresh refused). */
  onStdioEnd?: (err?: Error) => void;
}

interface Session {
  client: TurnClient;
  /** Sends in arrival order, after the allocation. */
  queue: Promise<void>;
  name: string;
}

/**
 * turncat's tunnel (stunner-v1.md §4): every client — a UDP 5-tuple, a TCP connection, or stdin —
 * gets its own TURN allocation, and its traffic goes to the one peer through it and back.
 */
export class Turncat {
  readonly #options: TurncatOptions;
  readonly #log: Logger;
  readonly #sessions = new Set<Session>();
  #udp: UdpSocket | undefined;
  #streamServer: Server | undefined;
  #closed = false;

  constructor(options: TurncatOptions) {
    this.#options = options;
    this.#log = options.logger;
  }

  /** The bound listener address (for port 0), undefined in stdio mode. */
  get address(): { address: string; port: number } | undefined {
    if (this.#udp) return this.#udp.address();
    const a = this.#streamServer?.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  /** Opens the listener; in stdio mode allocates right away and rejects when that fails. */
  async start(): Promise<void> {
    const listen = this.#options.listen;
    if (listen.kind === 'stdio') {
      await this.#startStdio();
    } else if (listen.kind === 'unix') {
      const { path } = listen;
      await this.#startStream((server, ready) => server.listen(path, ready));
    } else if (listen.kind === 'udp') {
      await this.#startUdp(listen.address, listen.port);
    } else {
      const { address, port } = listen;
      await this.#startStream((server, ready) => server.listen(port, address, ready));
    }
  }

  /** Deletes every allocation (Refresh 0) and closes the listener. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#udp?.close();
    this.#streamServer?.close();
    await Promise.all([...this.#sessions].map((s) => s.client.close()));
  }

  #newSession(name: string, deliver: (data: Buffer) => void, onClose: (err?: Error) => void, fatal = false): Session {
    // A fatal session's failure is reported by whoever awaits it, so it is not logged here too.
    const logFailure = (message: string): void => {
      if (!fatal) this.#log.error(message);
    };
    const client = new TurnClient({
      ...this.#options.client,
      host: this.#options.server.host,
      port: this.#options.server.port,
      transport: this.#options.server.transport,
      username: this.#options.server.username,
      password: this.#options.server.password,
      insecure: this.#options.insecure,
      servername: this.#options.servername,
    });
    const session: Session = { client, queue: Promise.resolve(), name };
    this.#sessions.add(session);
    client.on('data', (data) => deliver(data));
    client.on('error', (err) => this.#log.warn(`${name}: ${err.message}`));
    client.on('close', (err) => {
      this.#sessions.delete(session);
      if (err && !fatal) this.#log.warn(`${name}: allocation closed: ${err.message}`);
      else this.#log.debug(`${name}: allocation closed`);
      onClose(err);
    });
    const peer = this.#options.peer;
    const peerName = `udp://${peer.address}:${peer.port}`;
    session.queue = client
      .allocate()
      .then(
        (a) => {
          this.#log.info(
            `${name}: allocated relay ${a.relayed.address}:${a.relayed.port} on ${client.server} (lifetime ${a.lifetime} s)`,
          );
        },
        (err: Error) => {
          logFailure(`${name}: cannot allocate on ${client.server}: ${err.message}`);
          throw err;
        },
      )
      // A channel to the one peer up front: it installs the permission too, so a refused peer (403)
      // shows at once rather than as silently dropped data.
      .then(() =>
        client.bindChannel(peer).then(
          (channel) => this.#log.debug(`${name}: channel 0x${channel.toString(16)} bound to ${peerName}`),
          (err: Error) => {
            logFailure(`${name}: cannot reach peer ${peerName}: ${err.message}`);
            client.close().catch(() => {});
            throw err;
          },
        ),
      );
    return session;
  }

  #forward(session: Session, data: Buffer): void {
    const peer = this.#options.peer;
    session.queue = session.queue.then(() =>
      session.client.sendTo(peer, data).catch((err: Error) => {
        this.#log.warn(`${session.name}: cannot send to ${peer.address}:${peer.port}: ${err.message}`);
      }),
    );
    // The allocation failure was logged once; later packets of the session just drop.
    session.queue.catch(() => {});
  }

  async #startStdio(): Promise<void> {
    const stdin = this.#options.stdin ?? process.stdin;
    const stdout = this.#options.stdout ?? process.stdout;
    let started = false;
    const session = this.#newSession(
      'stdin',
      (data) => stdout.write(data),
      (err) => {
        stdin.pause();
        if (started && !this.#closed) this.#options.onStdioEnd?.(err);
      },
      true,
    );
    await session.queue;
    started = true;
    stdin.on('data', (chunk: Buffer) => {
      for (let i = 0; i < chunk.length; i += STREAM_CHUNK) this.#forward(session, chunk.subarray(i, i + STREAM_CHUNK));
    });
    // Replies may still come after the input ends; the tunnel stays up until turncat is stopped.
    stdin.on('end', () => this.#log.debug('stdin: end of input'));
  }

  async #startUdp(address: string, port: number): Promise<void> {
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    const byClient = new Map<string, Session>();
    socket.on('message', (msg: Buffer, from: RemoteInfo) => {
      if (this.#closed) return;
      const key = `${from.address}:${from.port}`;
      let session = byClient.get(key);
      if (!session) {
        this.#log.info(`new client ${key}`);
        session = this.#newSession(
          `udp client ${key}`,
          (data) => socket.send(data, from.port, from.address),
          () => byClient.delete(key),
        );
        const s = session;
        s.queue.catch(() => byClient.delete(key));
        byClient.set(key, s);
      }
      this.#forward(session, msg);
    });
    socket.on('error', (err) => this.#log.warn(`UDP listener: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.#udp = socket;
  }

  async #startStream(listen: (server: Server, ready: () => void) => void): Promise<void> {
    const server = createServer((conn: Socket) => {
      const from = conn.remoteAddress === undefined ? 'unix socket' : `${conn.remoteAddress}:${conn.remotePort}`;
      const name = `stream client ${from}`;
      this.#log.info(`new client ${from}`);
      const session = this.#newSession(
        name,
        (data) => conn.write(data),
        () => conn.destroy(),
      );
      session.queue.catch(() => conn.destroy());
      conn.on('data', (chunk: Buffer) => {
        for (let i = 0; i < chunk.length; i += STREAM_CHUNK) {
          this.#forward(session, chunk.subarray(i, i + STREAM_CHUNK));
        }
      });
      conn.on('error', (err) => this.#log.debug(`${name}: ${err.message}`));
      conn.on('close', () => {
        session.client.close().catch(() => {});
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      listen(server, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#streamServer = server;
  }
}
