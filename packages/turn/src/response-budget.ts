import type { StunMessage } from '@stunner/stun';
import type { ClientEndpoint } from './endpoint.ts';

/** turn.md §5.4: an unauthenticated response is at most this many times its request. */
export const AMPLIFICATION_FACTOR = 2;

const HEADER_BYTES = 20;
/** ERROR-CODE with an empty reason phrase (RFC 8489 §14.8: the phrase is for humans and may be empty). */
const ERROR_CODE_BYTES = 8;
const FINGERPRINT_BYTES = 8;

/** Bytes of an attribute whose value has `valueBytes` bytes, padding included (RFC 8489 §14). */
export const attributeBytes = (valueBytes: number): number => 4 + ((valueBytes + 3) & ~3);

/**
 * The response budget of a request that did not authenticate (turn.md §5.4, amplification): twice the
 * request's size on UDP, where the source address may be forged and the response reflected at a
 * victim. None on TCP and TLS (the handshake) or DTLS (the cookie exchange), which prove the client
 * receives at its address before any request is read.
 */
export function unauthenticatedBudget(msg: StunMessage, client: ClientEndpoint): number {
  return client.transport === 'udp' ? AMPLIFICATION_FACTOR * msg.raw.length : Number.POSITIVE_INFINITY;
}

/**
 * Size of an error response to `msg` without its optional parts: header, ERROR-CODE with an empty
 * reason, `attributes` bytes of required attributes, and FINGERPRINT if the request had one.
 */
export function errorResponseBytes(msg: StunMessage, attributes: number): number {
  return HEADER_BYTES + ERROR_CODE_BYTES + attributes + (msg.fingerprintOffset >= 0 ? FINGERPRINT_BYTES : 0);
}

/** Whether the reason phrase still fits: added bytes of the phrase, padded, after `bytes`. */
export function reasonFits(bytes: number, reason: string, budget: number): boolean {
  return bytes + ((Buffer.byteLength(reason) + 3) & ~3) <= budget;
}
