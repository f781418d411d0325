// The few DTLS 1.2 wire details the listener needs before a peer gets any state: recognising an
// initial ClientHello, answering it with a stateless HelloVerifyRequest (RFC 6347 §4.2.1), refusing
// a client that offers nothing newer than DTLS 1.0 with a protocol_version alert, and removing the
// cookie again so the DTLS library sees the exchange it expects.

const RECORD_HEADER = 13;
const HANDSHAKE_HEADER = 12;
const CONTENT_HANDSHAKE = 22;
const CONTENT_ALERT = 21;
const CLIENT_HELLO = 1;
const HELLO_VERIFY_REQUEST = 3;
/** DTLS 1.2 on the wire (RFC 6347 §4.1: versions count down, 1.0 is 0xfeff). */
export const DTLS_1_2 = 0xfefd;

/** Where the parts of a ClientHello lie in its datagram. */
export interface ClientHelloInfo {
  /** The 48-bit record sequence number bytes, echoed in the HelloVerifyRequest. */
  readonly recordSequence: Buffer;
  /** client_version, random, session_id: the parameters the cookie binds. */
  readonly parameters: Buffer;
  /** The highest version the client offers (client_version); above 0xfefd is older than DTLS 1.2. */
  readonly clientVersion: number;
  /** The record layer version, which an alert to this client carries. */
  readonly recordVersion: number;
  readonly cookie: Buffer;
  /** Offset of the cookie length octet. */
  readonly cookieOffset: number;
}

/**
 * Parses a datagram holding exactly one unfragmented epoch-0 ClientHello record; undefined for
 * anything else (records a listener drops from peers it has no session with).
 */
export function parseClientHello(datagram: Buffer): ClientHelloInfo | undefined {
  if (datagram.length < RECORD_HEADER + HANDSHAKE_HEADER + 2 + 32 + 2) return undefined;
  if (datagram[0] !== CONTENT_HANDSHAKE || datagram[1] !== 0xfe) return undefined;
  if (datagram.readUInt16BE(3) !== 0) return undefined;
  const recordLength = datagram.readUInt16BE(11);
  if (RECORD_HEADER + recordLength !== datagram.length) return undefined;
  const h = RECORD_HEADER;
  if (datagram[h] !== CLIENT_HELLO) return undefined;
  const length = datagram.readUIntBE(h + 1, 3);
  const fragmentOffset = datagram.readUIntBE(h + 6, 3);
  const fragmentLength = datagram.readUIntBE(h + 9, 3);
  if (fragmentOffset !== 0 || fragmentLength !== length || h + HANDSHAKE_HEADER + length !== datagram.length)
    return undefined;
  const body = h + HANDSHAKE_HEADER;
  const sessionIdLength = datagram[body + 34]!;
  const cookieOffset = body + 35 + sessionIdLength;
  if (cookieOffset >= datagram.length) return undefined;
  const cookieLength = datagram[cookieOffset]!;
  if (cookieOffset + 1 + cookieLength > datagram.length) return undefined;
  return {
    recordSequence: datagram.subarray(5, 11),
    parameters: datagram.subarray(body, cookieOffset),
    clientVersion: datagram.readUInt16BE(body),
    recordVersion: datagram.readUInt16BE(1),
    cookie: datagram.subarray(cookieOffset + 1, cookieOffset + 1 + cookieLength),
    cookieOffset,
  };
}

/**
 * A HelloVerifyRequest carrying `cookie`. RFC 6347 §4.2.1: version DTLS 1.0 (0xfeff) in record and
 * body, and the record sequence number of the ClientHello it answers.
 */
export function helloVerifyRequest(recordSequence: Buffer, cookie: Buffer): Buffer {
  const bodyLength = 3 + cookie.length;
  const out = Buffer.alloc(RECORD_HEADER + HANDSHAKE_HEADER + bodyLength);
  out[0] = CONTENT_HANDSHAKE;
  out.writeUInt16BE(0xfeff, 1);
  recordSequence.copy(out, 5);
  out.writeUInt16BE(HANDSHAKE_HEADER + bodyLength, 11);
  const h = RECORD_HEADER;
  out[h] = HELLO_VERIFY_REQUEST;
  out.writeUIntBE(bodyLength, h + 1, 3);
  out.writeUIntBE(bodyLength, h + 9, 3);
  out.writeUInt16BE(0xfeff, h + HANDSHAKE_HEADER);
  out[h + HANDSHAKE_HEADER + 2] = cookie.length;
  cookie.copy(out, h + HANDSHAKE_HEADER + 3);
  return out;
}

/**
 * A fatal protocol_version alert (RFC 5246 §7.2.2, RFC 6347 §4.1) for a ClientHello that offers only
 * DTLS 1.0: the client's handshake fails at once instead of retransmitting into silence, so a client
 * that picks among DTLS versions per connection (coturn's turnutils_uclient) tries again, and one
 * that cannot do DTLS 1.2 says why.
 */
export function protocolVersionAlert(hello: ClientHelloInfo): Buffer {
  const out = Buffer.alloc(RECORD_HEADER + 2);
  out[0] = CONTENT_ALERT;
  out.writeUInt16BE(hello.recordVersion, 1);
  hello.recordSequence.copy(out, 5);
  out.writeUInt16BE(2, 11);
  out[RECORD_HEADER] = 2;
  out[RECORD_HEADER + 1] = 70;
  return out;
}

/** The same ClientHello with an empty cookie and message_seq 0: the first hello of the exchange. */
export function withoutCookie(datagram: Buffer, hello: ClientHelloInfo): Buffer {
  const cut = hello.cookie.length;
  const out = Buffer.concat([
    datagram.subarray(0, hello.cookieOffset),
    Buffer.from([0]),
    datagram.subarray(hello.cookieOffset + 1 + cut),
  ]);
  out.writeUInt16BE(out.readUInt16BE(11) - cut, 11);
  const h = RECORD_HEADER;
  const length = out.readUIntBE(h + 1, 3) - cut;
  out.writeUIntBE(length, h + 1, 3);
  out.writeUInt16BE(0, h + 4);
  out.writeUIntBE(length, h + 9, 3);
  return out;
}
