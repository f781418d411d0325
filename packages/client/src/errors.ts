/** Stable codes of every way a TURN client operation can fail; each message says what to fix. */
export type TurnClientErrorCode =
  /** A bad option or argument (e.g. an invalid peer address); nothing was sent. */
  | 'TURN_CLIENT_ERR_INVALID_ARGUMENT'
  /** The transport to the server could not be opened (refused, DNS, TLS/DTLS handshake). */
  | 'TURN_CLIENT_ERR_CONNECT'
  /** No response after every retransmission (RFC 8489 §6.2.1) or the reliable-transport timeout. */
  | 'TURN_CLIENT_ERR_TIMEOUT'
  /** 401 with credentials, or 441: the username/password (or shared secret) is wrong or expired. */
  | 'TURN_CLIENT_ERR_UNAUTHORIZED'
  /** The server needs credentials and none were configured. */
  | 'TURN_CLIENT_ERR_NO_CREDENTIALS'
  /** 403: the server refuses the peer address or the request (policy, not credentials). */
  | 'TURN_CLIENT_ERR_FORBIDDEN'
  /** 437: the server has another allocation on this 5-tuple, or none any more. */
  | 'TURN_CLIENT_ERR_ALLOCATION_MISMATCH'
  /** 438 repeated beyond the retry limit. */
  | 'TURN_CLIENT_ERR_STALE_NONCE'
  /** 486: the user has too many allocations. */
  | 'TURN_CLIENT_ERR_QUOTA'
  /** 508 or another server-side refusal carrying a STUN error code. */
  | 'TURN_CLIENT_ERR_SERVER'
  /** The server sent something this client cannot use (bad integrity, missing attribute, bad framing). */
  | 'TURN_CLIENT_ERR_PROTOCOL'
  /** The operation needs a state the client is not in (e.g. send before allocate). */
  | 'TURN_CLIENT_ERR_STATE'
  /** The client was closed, or its transport closed, while the operation was pending. */
  | 'TURN_CLIENT_ERR_CLOSED';

export class TurnClientError extends Error {
  readonly code: TurnClientErrorCode;
  /** The STUN error code of the server's response (RFC 8489 §14.8), when there was one. */
  readonly stunCode: number | undefined;

  constructor(code: TurnClientErrorCode, message: string, options: { stunCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TurnClientError';
    this.code = code;
    this.stunCode = options.stunCode;
  }
}
