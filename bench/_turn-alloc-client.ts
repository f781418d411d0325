// A minimal TURN-UDP client for the allocation benchmark: one UDP socket per client (one 5-tuple),
// Allocate with the 401 → authenticated Allocate dance, Refresh(LIFETIME 0), all bounded by a
// per-request timeout with retransmissions of the same bytes (same transaction id).
import { createSocket, type Socket } from 'node:dgram';
import {
  decodeStunMessage,
  ErrorCode,
  Lifetime,
  longTermKey,
  MessageClass,
  Method,
  Nonce,
  Realm,
  RequestedTransport,
  type StunMessage,
  StunMessageBuilder,
  TransportProtocol,
  Username,
} from '@stunner/stun';

export interface Credentials {
  readonly username: string;
  readonly password: string;
  readonly realm: string;
}

/** Outcome of one request: the response, or 'timeout' after all retransmissions went unanswered. */
export type Reply = StunMessage | 'timeout';

const RTO_MS = 250;
const RETRANSMITS = 3;

/**
 * Client ports are walked through a range instead of letting the OS pick: the OS re-picks a port it
 * just freed, and coturn keeps a 5-tuple's session for a while after Refresh(0), answering a new
 * Allocate from it with 437 or not at all. Distinct 5-tuples model distinct clients.
 */
const CLIENT_PORT_MIN = 20000;
const CLIENT_PORT_MAX = 59999;
let nextClientPort = CLIENT_PORT_MIN;

function takeClientPort(): number {
  const port = nextClientPort;
  nextClientPort = port >= CLIENT_PORT_MAX ? CLIENT_PORT_MIN : port + 1;
  return port;
}

/**
 * Client source addresses rotate through 127.0.0.2–127.0.0.254, as clients behind different
 * addresses would, unless a client is given one source (clients behind one NAT or one Kubernetes
 * node's SNAT): then a server's per-source 401 limit (turn.md §5.4) is measured too.
 */
let nextClientHost = 2;

function takeClientAddress(): string {
  const host = nextClientHost;
  nextClientHost = host >= 254 ? 2 : host + 1;
  return `127.0.0.${host}`;
}

export class AllocClient {
  readonly #socket: Socket = createSocket('udp4');
  readonly #pending = new Map<string, (m: StunMessage) => void>();
  readonly #server: { port: number; address: string };
  readonly #creds: Credentials;
  readonly #key: Buffer;
  readonly #source: string | undefined;
  #nonce = '';
  #realm = '';

  constructor(
    serverPort: number,
    creds: Credentials,
    key: Buffer = longTermKey(creds.username, creds.realm, creds.password),
    source?: string,
  ) {
    this.#server = { port: serverPort, address: '127.0.0.1' };
    this.#source = source;
    this.#creds = creds;
    this.#key = key;
    this.#socket.on('message', (buf) => {
      let msg: StunMessage;
      try {
        msg = decodeStunMessage(buf);
      } catch {
        return;
      }
      const id = msg.transactionId.toString('hex');
      const resolve = this.#pending.get(id);
      if (resolve === undefined) return;
      this.#pending.delete(id);
      resolve(msg);
    });
    this.#socket.on('error', () => {});
  }

  /** Binds the next source address (or the given one) and a free port of the client range (the OS's after 100 in use). */
  async open(): Promise<void> {
    const address = this.#source ?? takeClientAddress();
    for (let i = 0; i < 100; i++) {
      const bound = await new Promise<boolean>((resolve) => {
        const onError = () => resolve(false);
        this.#socket.once('error', onError);
        this.#socket.bind(takeClientPort(), address, () => {
          this.#socket.off('error', onError);
          resolve(true);
        });
      });
      if (bound) return;
    }
    await new Promise<void>((resolve) => this.#socket.bind(0, address, resolve));
  }

  close(): void {
    this.#pending.clear();
    this.#socket.close();
  }

  #send(builder: StunMessageBuilder, auth: boolean): Promise<Reply> {
    if (auth) {
      builder.add(Username, this.#creds.username).add(Realm, this.#realm).add(Nonce, this.#nonce);
    }
    const bytes = auth ? builder.build({ key: this.#key }) : builder.build();
    const id = builder.transactionId.toString('hex');
    return new Promise((resolve) => {
      let tries = 0;
      let timer: NodeJS.Timeout | undefined;
      const attempt = () => {
        if (tries++ > RETRANSMITS) {
          this.#pending.delete(id);
          resolve('timeout');
          return;
        }
        this.#socket.send(bytes, this.#server.port, this.#server.address);
        timer = setTimeout(attempt, RTO_MS * 2 ** (tries - 1));
      };
      this.#pending.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      attempt();
    });
  }

  /**
   * Allocate a UDP relay (RFC 8656 §7.1): unauthenticated first for the 401's REALM and NONCE, then
   * authenticated, once more on 438 Stale Nonce. Resolves with the final reply.
   */
  async allocate(): Promise<Reply> {
    const allocate = () =>
      new StunMessageBuilder(Method.Allocate, MessageClass.Request).add(RequestedTransport, TransportProtocol.UDP);
    if (this.#nonce === '') {
      const challenge = await this.#send(allocate(), false);
      if (challenge === 'timeout') return challenge;
      if (challenge.get(ErrorCode)?.code !== 401) return challenge;
      this.#nonce = challenge.get(Nonce) ?? '';
      this.#realm = challenge.get(Realm) ?? this.#creds.realm;
    }
    let reply = await this.#send(allocate(), true);
    if (reply !== 'timeout' && reply.get(ErrorCode)?.code === 438) {
      this.#nonce = reply.get(Nonce) ?? this.#nonce;
      reply = await this.#send(allocate(), true);
    }
    return reply;
  }

  /** Refresh with LIFETIME 0: deletes the allocation (RFC 8656 §8). */
  async release(): Promise<Reply> {
    const refresh = () => new StunMessageBuilder(Method.Refresh, MessageClass.Request).add(Lifetime, 0);
    let reply = await this.#send(refresh(), true);
    if (reply !== 'timeout' && reply.get(ErrorCode)?.code === 438) {
      this.#nonce = reply.get(Nonce) ?? this.#nonce;
      reply = await this.#send(refresh(), true);
    }
    return reply;
  }
}

/** 'ok', an error code as text, or 'timeout'. */
export function outcome(reply: Reply): string {
  if (reply === 'timeout') return 'timeout';
  if (reply.messageClass === MessageClass.SuccessResponse) return 'ok';
  return String(reply.get(ErrorCode)?.code ?? 'error');
}
