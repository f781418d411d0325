import {
  decodeStunMessage,
  ErrorCode,
  MessageClass,
  Method,
  StunMessageBuilder,
  type TransportAddress,
  UnknownAttributes,
  XorMappedAddress,
} from '@stunner/stun';

/** Attributes a Binding request may carry that this responder understands (RFC 8489 §14). */
const KNOWN = new Set<number>();

/**
 * Answers one datagram as a STUN Binding server (RFC 8489 §6.3): XOR-MAPPED-ADDRESS of the sender,
 * and nothing else, so the response stays small (no SOFTWARE: it would only help amplification).
 * Returns undefined for anything that must not be answered: non-STUN bytes, indications, responses.
 */
export function respondToBinding(datagram: Buffer, from: TransportAddress): Buffer | undefined {
  let msg: ReturnType<typeof decodeStunMessage>;
  try {
    msg = decodeStunMessage(datagram);
  } catch {
    return undefined;
  }
  if (msg.messageClass !== MessageClass.Request) return undefined;
  const fingerprint = msg.fingerprintOffset >= 0;
  if (msg.method !== Method.Binding) {
    // RFC 8489 §6.3.1: a request for a method the server does not know gets 400.
    return error(msg.method, msg.transactionId, 400, fingerprint);
  }
  const unknown = msg.unknownComprehensionRequired(KNOWN);
  if (unknown.length > 0) {
    return new StunMessageBuilder(Method.Binding, MessageClass.ErrorResponse, msg.transactionId)
      .add(ErrorCode, { code: 420, reason: 'Unknown Attribute' })
      .add(UnknownAttributes, unknown)
      .build({ fingerprint });
  }
  return new StunMessageBuilder(Method.Binding, MessageClass.SuccessResponse, msg.transactionId)
    .add(XorMappedAddress, unmapped(from))
    .build({ fingerprint });
}

function error(method: number, transactionId: Buffer, code: number, fingerprint: boolean): Buffer {
  return new StunMessageBuilder(method, MessageClass.ErrorResponse, transactionId)
    .add(ErrorCode, { code, reason: 'Bad Request' })
    .build({ fingerprint });
}

/** A client reached over an IPv4-mapped IPv6 address is an IPv4 client. */
function unmapped(addr: TransportAddress): TransportAddress {
  if (addr.family === 'IPv6' && addr.address.startsWith('::ffff:') && addr.address.includes('.')) {
    return { family: 'IPv4', address: addr.address.slice(7), port: addr.port };
  }
  return addr;
}
