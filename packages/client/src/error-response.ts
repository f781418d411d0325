import { ERROR_REASONS } from '@stunner/stun';
import { TurnClientError } from './errors.ts';

/** Maps a STUN error response to an error that says what to fix (RFC 8489 §14.8, RFC 8656 §19). */
export function errorFromResponse(
  code: number,
  reason: string,
  what: string,
  server: string,
  peer?: string,
): TurnClientError {
  const said = `${code} ${reason || ERROR_REASONS[code] || ''}`.trim();
  const opts = { stunCode: code };
  switch (code) {
    case 401:
    case 441:
      return new TurnClientError(
        'TURN_CLIENT_ERR_UNAUTHORIZED',
        `${what} refused by ${server} (${said}): wrong credentials; check the username and password, or the shared secret and clock for ephemeral credentials`,
        opts,
      );
    case 403:
      return new TurnClientError(
        'TURN_CLIENT_ERR_FORBIDDEN',
        `${what} refused by ${server} (${said}): ${peer ? `the server does not allow relaying to peer ${peer}` : 'the server forbids this request'}; check the routes/clusters or the server's peer filter, not the credentials`,
        opts,
      );
    case 437:
      return new TurnClientError(
        'TURN_CLIENT_ERR_ALLOCATION_MISMATCH',
        `${what} refused by ${server} (${said}): the server has a different allocation state for this 5-tuple`,
        opts,
      );
    case 438:
      return new TurnClientError(
        'TURN_CLIENT_ERR_STALE_NONCE',
        `${what} refused by ${server} (${said}): the nonce went stale again after retrying`,
        opts,
      );
    case 486:
      return new TurnClientError(
        'TURN_CLIENT_ERR_QUOTA',
        `${what} refused by ${server} (${said}): this user has too many allocations; close some first`,
        opts,
      );
    default:
      return new TurnClientError('TURN_CLIENT_ERR_SERVER', `${what} refused by ${server} (${said})`, opts);
  }
}
