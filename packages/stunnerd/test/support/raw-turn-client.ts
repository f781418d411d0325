// A small TURN client over one UDP socket bound to any loopback source (127.x.y.z), with request
// retransmission (RFC 8489 §6.2.1, shortened) and access to raw bytes: what the flood, amplification,
// deny-list and soak runs need and @stunner/client does not offer (a chosen source address, byte sizes).
import { createSocket, type Socket } from 'node:dgram';
import {
  ChannelNumber,
  Data,
  decodeStunMessage,
  ErrorCode,
  encodeChannelData,
  Lifetime,
  longTermKey,
  MessageClass,
  Method,
  Nonce,
  Realm,
  RequestedTransport,
  type StunMessage,
  StunMessageBuilder,
  type TransportAddress,
  TransportProtocol,
  Username,
  XorPeerAddress,
} from '@stunner/stun';

export interface RawExchange {
  request: Buffer;
  response: Buffer | undefined;
  message: StunMessage | undefined;
}

export class RawTurnClient {
  readonly socket: Socket;
  nonce: string | undefined;
  realm: string | undefined;
  readonly #server: string;
  readonly #port: number;
  readonly #local: string;
  readonly #key: (realm: string) => Buffer;
  readonly #username: string;
  readonly #pending = new Map<string, (msg: Buffer) => void>();
  /** Data from peers (ChannelData payloads and Data indications), counted and handed on. */
  onData: ((payload: Buffer) => void) | undefined;
  received = 0;

  constructor(opts: { port: number; server?: string; local?: string; username?: string; password?: string }) {
    this.#server = opts.server ?? '127.0.0.1';
    this.#port = opts.port;
    this.#local = opts.local ?? '127.0.0.1';
    this.#username = opts.username ?? 'user';
    const password = opts.password ?? 'pass';
    this.#key = (realm) => longTermKey(this.#username, realm, password);
    this.socket = createSocket(this.#server.includes(':') ? 'udp6' : 'udp4');
    this.socket.on('message', (msg: Buffer) => this.#onMessage(msg));
    this.socket.on('error', () => {});
  }

  async open(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, this.#local, resolve));
  }

  get localPort(): number {
    return this.socket.address().port;
  }

  #onMessage(msg: Buffer): void {
    if (msg.length >= 4 && (msg[0]! & 0xc0) === 0x40) {
      this.received++;
      this.onData?.(msg.subarray(4));
      return;
    }
    if (msg.length < 20) return;
    const tid = msg.subarray(8, 20).toString('hex');
    const waiter = this.#pending.get(tid);
    if (waiter) {
      waiter(msg);
      return;
    }
    try {
      const m = decodeStunMessage(msg);
      if (m.method === Method.Data && m.messageClass === MessageClass.Indication) {
        this.received++;
        const d = m.find(Data.type);
        if (d) this.onData?.(d.value);
      }
    } catch {}
  }

  /** Sends `bytes` and waits for the response with its transaction id; retransmits `tries` times. */
  exchange(bytes: Buffer, opts: { rtoMs?: number; tries?: number } = {}): Promise<RawExchange> {
    const tid = bytes.subarray(8, 20).toString('hex');
    const rto = opts.rtoMs ?? 250;
    let left = opts.tries ?? 4;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout;
      const send = () => {
        if (left-- <= 0) {
          this.#pending.delete(tid);
          resolve({ request: bytes, response: undefined, message: undefined });
          return;
        }
        this.socket.send(bytes, this.#port, this.#server);
        timer = setTimeout(send, rto);
      };
      this.#pending.set(tid, (msg) => {
        clearTimeout(timer);
        this.#pending.delete(tid);
        let message: StunMessage | undefined;
        try {
          message = decodeStunMessage(msg);
        } catch {}
        resolve({ request: bytes, response: msg, message });
      });
      send();
    });
  }

  /** Builds a request; signed with the long-term key once a 401 taught the realm and nonce. */
  build(method: number, add: (b: StunMessageBuilder) => void = () => {}, auth = true): Buffer {
    const b = new StunMessageBuilder(method, MessageClass.Request);
    add(b);
    if (!auth || this.nonce === undefined || this.realm === undefined) return b.build();
    b.add(Username, this.#username).add(Realm, this.realm).add(Nonce, this.nonce);
    return b.build({ key: this.#key(this.realm) });
  }

  /** An authenticated request: challenged first if needed, retried once after 401/438 with the new nonce. */
  async request(
    method: number,
    add: (b: StunMessageBuilder) => void = () => {},
    opts: { rtoMs?: number; tries?: number } = {},
  ): Promise<StunMessage | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const ex = await this.exchange(this.build(method, add), opts);
      const code = ex.message?.get(ErrorCode)?.code;
      if (code === 401 || code === 438) {
        this.realm = ex.message!.get(Realm);
        this.nonce = ex.message!.get(Nonce);
        continue;
      }
      return ex.message;
    }
    return undefined;
  }

  async allocate(lifetime?: number, opts?: { rtoMs?: number; tries?: number }): Promise<StunMessage | undefined> {
    return this.request(
      Method.Allocate,
      (b) => {
        b.add(RequestedTransport, TransportProtocol.UDP);
        if (lifetime !== undefined) b.add(Lifetime, lifetime);
      },
      opts,
    );
  }

  refresh(lifetime: number): Promise<StunMessage | undefined> {
    return this.request(Method.Refresh, (b) => b.add(Lifetime, lifetime));
  }

  createPermission(peer: TransportAddress): Promise<StunMessage | undefined> {
    return this.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, peer));
  }

  channelBind(channel: number, peer: TransportAddress): Promise<StunMessage | undefined> {
    return this.request(Method.ChannelBind, (b) => b.add(ChannelNumber, channel).add(XorPeerAddress, peer));
  }

  sendIndication(peer: TransportAddress, data: Buffer): void {
    const b = new StunMessageBuilder(Method.Send, MessageClass.Indication);
    b.add(XorPeerAddress, peer).add(Data, data);
    this.socket.send(b.build(), this.#port, this.#server);
  }

  channelData(channel: number, data: Buffer): void {
    this.socket.send(encodeChannelData(channel, data), this.#port, this.#server);
  }

  close(): void {
    for (const w of this.#pending.values()) w(Buffer.alloc(0));
    this.#pending.clear();
    try {
      this.socket.close();
    } catch {}
  }
}

export const ok = (m: StunMessage | undefined): boolean => m?.messageClass === MessageClass.SuccessResponse;
export const code = (m: StunMessage | undefined): number | undefined => m?.get(ErrorCode)?.code;
