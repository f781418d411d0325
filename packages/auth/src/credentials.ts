import type { AuthConfig } from '@stunner/api';
import { generateEphemeralCredentials } from '@stunner/stun';
import { AuthError } from './errors.ts';

export interface TurnCredentials {
  username: string;
  password: string;
}

export interface CredentialOptions {
  /** User id put after the expiry in ephemeral usernames (`<expiry>:<userId>`). Default empty. */
  userId?: string;
  /** Lifetime of ephemeral credentials, seconds. */
  ttl: number;
  /** Current UNIX time, seconds. */
  now: number;
}

/**
 * The credentials a stunnerd with this `auth` section accepts (stunner-v1.md §1.9, §3): `static` hands
 * out the configured username and password; `ephemeral` makes TURN REST API ones, username
 * `<now+ttl>:<userId>` and password base64(HMAC-SHA1(secret, username)). Throws
 * AUTH_ERR_INVALID_CONFIG for `none` (STUN only, nothing to authenticate) or missing credentials.
 */
export function turnCredentials(auth: AuthConfig, options: CredentialOptions): TurnCredentials {
  const creds = auth.credentials;
  if (auth.type === 'static') {
    if (creds.username === undefined || creds.password === undefined) {
      throw new AuthError(
        'AUTH_ERR_INVALID_CONFIG',
        500,
        'invalid STUNner config: no username or password (auth: static)',
      );
    }
    return { username: creds.username, password: creds.password };
  }
  if (auth.type === 'ephemeral') {
    if (creds.secret === undefined) {
      throw new AuthError('AUTH_ERR_INVALID_CONFIG', 500, 'invalid STUNner config: no shared secret (auth: ephemeral)');
    }
    const { username, password } = generateEphemeralCredentials(
      creds.secret,
      options.userId ?? '',
      options.now,
      options.ttl,
    );
    return { username, password };
  }
  throw new AuthError(
    'AUTH_ERR_INVALID_CONFIG',
    500,
    `auth type "${auth.type}" issues no TURN credentials (STUN only)`,
  );
}
