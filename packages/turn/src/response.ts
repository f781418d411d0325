import {
  ERROR_REASONS,
  ErrorCode,
  MessageClass,
  Software,
  type StunMessage,
  StunMessageBuilder,
  type TransportAddress,
} from '@stunner/stun';
import type { AuthContext } from './credential-check.ts';
import type { ClientEndpoint } from './endpoint.ts';
import type { EngineState } from './engine-state.ts';
import { errorResponseBytes, reasonFits, unauthenticatedBudget } from './response-budget.ts';

/** How a response to an authenticated request is sealed and remembered for retransmits. */
export interface ResponseSeal {
  /** Long-term key of the request's credentials: the response carries integrity with it. */
  readonly key: Buffer;
  readonly integrity: 'sha1' | 'sha256';
  /** FINGERPRINT only if the request had one. */
  readonly fingerprint: boolean;
  /** Transaction-cache key of the request (client and transaction ID). */
  readonly cacheKey: string;
}

/** A TURN request that passed authentication, with what its response needs. */
export interface AuthenticatedRequest extends AuthContext, ResponseSeal {
  readonly msg: StunMessage;
  readonly client: ClientEndpoint;
  /** Engine time (ms) of the call that brought the request. */
  readonly now: number;
}

export type AddAttributes = (b: StunMessageBuilder) => void;

export const NO_EXTRA: AddAttributes = () => {};

/**
 * The one way a response to an authenticated request leaves: SOFTWARE, integrity with the request's
 * key, kept in the transaction cache (RFC 8489 §6.3.1: a retransmit gets the same bytes), the cache
 * sweep scheduled, then sent.
 */
export function sealAndSend(
  s: EngineState,
  client: ClientEndpoint,
  b: StunMessageBuilder,
  seal: ResponseSeal,
  now: number,
): void {
  if (s.options.software !== undefined) b.add(Software, s.options.software);
  const out = b.build({ key: seal.key, integrity: seal.integrity, fingerprint: seal.fingerprint });
  s.transactions.set(seal.cacheKey, out, now);
  s.scheduleAt(now + s.options.transactionCacheTtl);
  s.sink.sendToClient(client, out);
}

/** An error response with its reason phrase (RFC 8489 §14.8), sealed and sent; counted as a refusal. */
export function sendError(
  s: EngineState,
  client: ClientEndpoint,
  method: number,
  transactionId: Buffer,
  seal: ResponseSeal,
  code: number,
  now: number,
  extra: AddAttributes = NO_EXTRA,
): void {
  const b = new StunMessageBuilder(method, MessageClass.ErrorResponse, transactionId);
  b.add(ErrorCode, { code, reason: ERROR_REASONS[code] ?? '' });
  extra(b);
  sealAndSend(s, client, b, seal, now);
  s.emit('request-refused', client, method, code);
}

export function respondError(
  s: EngineState,
  req: AuthenticatedRequest,
  code: number,
  extra: AddAttributes = NO_EXTRA,
): void {
  sendError(s, req.client, req.msg.method, req.msg.transactionId, req, code, req.now, extra);
}

export function respondSuccess(s: EngineState, req: AuthenticatedRequest, build: AddAttributes): void {
  const b = new StunMessageBuilder(req.msg.method, MessageClass.SuccessResponse, req.msg.transactionId);
  build(b);
  sealAndSend(s, req.client, b, req, req.now);
}

/**
 * An error to a request that did not authenticate: no SOFTWARE, no integrity, FINGERPRINT only if the
 * client used it, and the reason phrase (RFC 8489 §14.8) only where it fits the response budget
 * (turn.md §5.4: 2× the request on UDP, see `unauthenticatedBudget`). `extraBytes` is the size of
 * what `extra` adds, which the budget must hold anyway.
 */
export function refuseUnauthenticated(
  s: EngineState,
  msg: StunMessage,
  client: ClientEndpoint,
  code: number,
  extra: AddAttributes = NO_EXTRA,
  extraBytes = 0,
): void {
  const reason = ERROR_REASONS[code] ?? '';
  const fits = reasonFits(errorResponseBytes(msg, extraBytes), reason, unauthenticatedBudget(msg, client));
  const b = new StunMessageBuilder(msg.method, MessageClass.ErrorResponse, msg.transactionId);
  b.add(ErrorCode, { code, reason: fits ? reason : '' });
  extra(b);
  s.sink.sendToClient(client, b.build({ fingerprint: msg.fingerprintOffset >= 0 }));
  s.emit('request-refused', client, msg.method, code);
}

/** The client's address for XOR-MAPPED-ADDRESS; an IPv4-mapped one (dual-stack socket) is reported as IPv4. */
export function mappedAddress(client: ClientEndpoint): TransportAddress {
  const { address, port } = client;
  if (address.startsWith('::ffff:') && address.includes('.'))
    return { family: 'IPv4', address: address.slice(7), port };
  return { family: address.includes(':') ? 'IPv6' : 'IPv4', address, port };
}
