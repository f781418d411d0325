import {
  Attr,
  type KeyAlgorithm,
  PasswordAlgorithm,
  PasswordAlgorithmAttr,
  PasswordAlgorithms,
  type PasswordAlgorithmValue,
  type StunMessage,
} from '@stunner/stun';

/** What the 401 offers in PASSWORD-ALGORITHMS (RFC 8489 §9.2.1), in this order. */
export const OFFERED_ALGORITHMS: readonly PasswordAlgorithmValue[] = [
  { algorithm: PasswordAlgorithm.MD5, parameters: Buffer.alloc(0) },
  { algorithm: PasswordAlgorithm.SHA256, parameters: Buffer.alloc(0) },
];

/** Size of the PASSWORD-ALGORITHMS attribute that offers them: 4 bytes per algorithm, with its parameters padded. */
export const OFFERED_BYTES = OFFERED_ALGORITHMS.reduce((n, a) => n + 4 + ((a.parameters.length + 3) & ~3), 4);

const sameList = (a: readonly PasswordAlgorithmValue[], b: readonly PasswordAlgorithmValue[]) =>
  a.length === b.length && a.every((x, i) => x.algorithm === b[i]!.algorithm && x.parameters.equals(b[i]!.parameters));

/**
 * The key algorithm a request asks for (RFC 8489 §9.2.4): MD5 when it carries neither
 * PASSWORD-ALGORITHMS nor PASSWORD-ALGORITHM (clients that predate RFC 8489: browsers, coturn);
 * otherwise both must be there, PASSWORD-ALGORITHMS must be what this server offered (else a bid-down)
 * and PASSWORD-ALGORITHM one of them, or the request is malformed (400). A server that offers nothing
 * takes every request as MD5. Malformed attribute values throw the codec's error (→ 400).
 */
export function requestedAlgorithm(msg: StunMessage, offered: boolean): KeyAlgorithm | 'malformed' {
  if (!offered) return 'MD5';
  const list = msg.has(Attr.PasswordAlgorithms) ? msg.get(PasswordAlgorithms) : undefined;
  const chosen = msg.has(Attr.PasswordAlgorithm) ? msg.get(PasswordAlgorithmAttr) : undefined;
  if (list === undefined && chosen === undefined) return 'MD5';
  if (list === undefined || chosen === undefined || !sameList(list, OFFERED_ALGORITHMS)) return 'malformed';
  if (chosen.parameters.length !== 0) return 'malformed';
  if (chosen.algorithm === PasswordAlgorithm.MD5) return 'MD5';
  if (chosen.algorithm === PasswordAlgorithm.SHA256) return 'SHA-256';
  return 'malformed';
}
