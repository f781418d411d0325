import {
  ErrorCode,
  MessageClass,
  Software,
  type StunMessage,
  StunMessageBuilder,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
} from '@stunner/stun';
import { errorFromResponse } from './error-response.ts';
import { TurnClientError } from './errors.ts';
import type { LongTermCredentials } from './long-term-credentials.ts';
import type { TransactionTable } from './transaction-table.ts';
import type { ClientTransport } from './transport.ts';

export interface SignedRequesterOptions {
  /** The server as `<transport>://host:port`, for messages. */
  readonly server: string;
  readonly credentials: LongTermCredentials;
  readonly transactions: TransactionTable;
  /** The transport to send on; undefined once the client is closed (or before it connected). */
  readonly transport: () => ClientTransport | undefined;
  readonly software: string | undefined;
  /** Retries of a request answered by 438 Stale Nonce (RFC 8489 §9.2.5). */
  readonly maxStaleNonceRetries: number;
}

/** Fills in the attributes of a request, before the credentials and integrity are added. */
export type FillRequest = (b: StunMessageBuilder) => void;

/**
 * Sends TURN requests signed with the long-term credentials and returns the verified success
 * response: answers the first 401 with the credentials it names (RFC 8489 §9.2.3) and 438 with the
 * fresh nonce (§9.2.5); any other error becomes a TurnClientError saying what to fix.
 */
export class SignedRequester {
  readonly #o: SignedRequesterOptions;

  constructor(options: SignedRequesterOptions) {
    this.#o = options;
  }

  /** `what` names the request and `peer` the peer in error messages. */
  async request(method: number, fill: FillRequest, what: string, peer?: string): Promise<StunMessage> {
    const o = this.#o;
    let stale = 0;
    for (;;) {
      const transport = o.transport();
      if (!transport) throw new TurnClientError('TURN_CLIENT_ERR_CLOSED', `${what}: the client is closed`);
      const b = new StunMessageBuilder(method, MessageClass.Request);
      fill(b);
      if (o.software) b.add(Software, o.software);
      o.credentials.sign(b);
      const key = o.credentials.key;
      const integrity = o.credentials.integrity;
      const packet = b.build({ key, integrity, fingerprint: true });
      const res = await o.transactions.start(b.transactionId, packet, (p) => transport.send(p), transport.reliable);
      if (res.method !== method) {
        throw this.protocolError(`${what} was answered with method 0x${res.method.toString(16)}`);
      }
      if (res.messageClass === MessageClass.SuccessResponse) {
        // RFC 8489 §9.2.5: a response that carries integrity must verify with the same key.
        if (key && integrity === 'sha256' && res.integritySha256Offset >= 0) {
          if (!verifyMessageIntegritySha256(res, key)) {
            throw this.protocolError(`the ${what} response fails MESSAGE-INTEGRITY-SHA256`);
          }
        } else if (key && res.integrityOffset >= 0 && !verifyMessageIntegrity(res, key)) {
          throw this.protocolError(`the ${what} response fails MESSAGE-INTEGRITY`);
        }
        return res;
      }
      let error: { code: number; reason: string } | undefined;
      try {
        error = res.get(ErrorCode);
      } catch {
        error = undefined;
      }
      if (!error) throw this.protocolError(`the ${what} error response has no valid ERROR-CODE`);
      if (error.code === 401 && !key) {
        if (!o.credentials.configured) {
          throw new TurnClientError(
            'TURN_CLIENT_ERR_NO_CREDENTIALS',
            `${what} refused by ${o.server} (401): the server requires credentials and none were given`,
            { stunCode: 401 },
          );
        }
        if (o.credentials.challenge(res)) continue;
      }
      if (error.code === 438 && stale < o.maxStaleNonceRetries && o.credentials.renewNonce(res)) {
        stale++;
        continue;
      }
      throw errorFromResponse(error.code, error.reason, what, o.server, peer);
    }
  }

  /** The server sent something this client cannot use. */
  protocolError(message: string): TurnClientError {
    return new TurnClientError('TURN_CLIENT_ERR_PROTOCOL', `${this.#o.server}: ${message}`);
  }
}
