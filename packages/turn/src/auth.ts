import { timingSafeEqual } from 'node:crypto';
import { checkEphemeralUsername, ephemeralPassword, type KeyAlgorithm, longTermKey, userHash } from '@stunner/stun';
import { TurnEngineError } from './errors.ts';

/** STUNner's authentication modes (stunner-v1.md §1.9), after the config's aliases are normalised. */
export type AuthOptions =
  | {
      type: 'static';
      /** REALM sent in 401s and used in the long-term key. */
      realm: string;
      /** The one username accepted. */
      username: string;
      password: string;
    }
  | {
      type: 'ephemeral';
      realm: string;
      /** Shared secret of the TURN REST API: password = base64(HMAC-SHA1(secret, username)). */
      secret: string;
    }
  | {
      /** STUN-only: Binding is answered, every TURN request is refused with 403. */
      type: 'none';
      realm?: string;
    };

/** Ephemeral users whose keys are kept (per algorithm); past it the cache starts over. */
const EPHEMERAL_KEYS_MAX = 4096;

export type CredentialLookup =
  | { ok: true; key: Buffer; userId: string }
  | { ok: false; reason: 'unknown-user' | 'no-timestamp' | 'expired' };

/** Resolves a USERNAME to the long-term key (RFC 8489 §9.2.2) under one auth mode. */
export class Authenticator {
  readonly type: AuthOptions['type'];
  readonly realm: string;
  readonly #username: Buffer | undefined;
  readonly #staticKey: Buffer | undefined;
  readonly #staticKeySha256: Buffer | undefined;
  readonly #userHash: Buffer | undefined;
  readonly #secret: string | undefined;
  /**
   * Keys of TURN REST usernames already derived (an HMAC and a hash each), so an allocation's
   * Refresh, CreatePermission and ChannelBind requests do not derive them again. They depend only on
   * the username, the secret and the realm: a config change brings a new Authenticator, and so an
   * empty cache. The username's expiry is still checked on every request.
   */
  readonly #ephemeralKeys = { MD5: new Map<string, Buffer>(), 'SHA-256': new Map<string, Buffer>() };

  constructor(options: AuthOptions) {
    this.type = options.type;
    this.realm = options.realm ?? '';
    if (options.type === 'static') {
      if (!options.realm) invalid('auth.realm', 'is empty; set the REALM clients must use');
      if (!options.username) invalid('auth.username', 'is empty; static auth needs a username');
      this.#username = Buffer.from(options.username, 'utf8');
      // stunner-v1.md §1.9: key = MD5(username ":" realm ":" password), as pion computes it.
      this.#staticKey = longTermKey(options.username, options.realm, options.password ?? '');
      // RFC 8489 §9.2.2 with PASSWORD-ALGORITHM SHA-256, and §14.4 USERHASH.
      this.#staticKeySha256 = longTermKey(options.username, options.realm, options.password ?? '', 'SHA-256');
      this.#userHash = userHash(options.username, options.realm);
    } else if (options.type === 'ephemeral') {
      if (!options.realm) invalid('auth.realm', 'is empty; set the REALM clients must use');
      if (!options.secret) invalid('auth.secret', 'is empty; ephemeral auth needs the shared secret');
      this.#secret = options.secret;
    } else if (options.type !== 'none') {
      invalid('auth.type', `"${(options as { type: string }).type}" is not static, ephemeral or none`);
    }
  }

  /** Whether USERHASH can name a user: static auth only (an ephemeral username cannot be found from its hash). */
  get userHashes(): boolean {
    return this.#userHash !== undefined;
  }

  lookup(username: string, nowSeconds: number, algorithm: KeyAlgorithm = 'MD5'): CredentialLookup {
    if (this.#staticKey && this.#username) {
      const given = Buffer.from(username, 'utf8');
      const match = given.length === this.#username.length && timingSafeEqual(given, this.#username);
      if (!match) return { ok: false, reason: 'unknown-user' };
      return { ok: true, key: algorithm === 'MD5' ? this.#staticKey : this.#staticKeySha256!, userId: username };
    }
    if (this.#secret !== undefined) {
      const check = checkEphemeralUsername(username, nowSeconds);
      if (!check.ok) return { ok: false, reason: check.reason };
      const keys = this.#ephemeralKeys[algorithm];
      let key = keys.get(username);
      if (key === undefined) {
        key = longTermKey(username, this.realm, ephemeralPassword(this.#secret, username), algorithm);
        if (keys.size >= EPHEMERAL_KEYS_MAX) keys.clear();
        keys.set(username, key);
      }
      return { ok: true, key, userId: check.userId };
    }
    return { ok: false, reason: 'unknown-user' };
  }

  /** The user a USERHASH names (RFC 8489 §9.2.4): the static username, compared in constant time. */
  usernameForHash(hash: Buffer): string | undefined {
    if (this.#userHash === undefined || this.#username === undefined) return undefined;
    if (hash.length !== this.#userHash.length || !timingSafeEqual(hash, this.#userHash)) return undefined;
    return this.#username.toString('utf8');
  }
}

function invalid(field: string, why: string): never {
  throw new TurnEngineError('TURN_ERR_INVALID_OPTION', `${field} ${why}`);
}
