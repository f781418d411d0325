import { longTermKey, Nonce, Realm, type StunMessage, type StunMessageBuilder, Username } from '@stunner/stun';

/**
 * The client side of the long-term credential mechanism (RFC 8489 §9.2): no credentials on the
 * first request; REALM and NONCE taken from the server's 401; a fresh NONCE from each 438.
 */
export class LongTermCredentials {
  readonly #username: string | undefined;
  readonly #password: string | undefined;
  #realm: string | undefined;
  #nonce: string | undefined;
  #key: Buffer | undefined;

  constructor(username: string | undefined, password: string | undefined) {
    this.#username = username;
    this.#password = password;
  }

  get configured(): boolean {
    return this.#username !== undefined && this.#password !== undefined;
  }

  /** MD5(username:realm:password) once the realm is known; undefined before the first 401. */
  get key(): Buffer | undefined {
    return this.#key;
  }

  /** Adds USERNAME, REALM and NONCE once challenged (RFC 8489 §9.2.4); integrity is added by build(). */
  sign(b: StunMessageBuilder): void {
    if (this.#key) b.add(Username, this.#username!).add(Realm, this.#realm!).add(Nonce, this.#nonce!);
  }

  /**
   * Takes a 401 challenge (RFC 8489 §9.2.3); false when it cannot be answered: no REALM/NONCE in it,
   * or credentials were already sent (then they are wrong).
   */
  challenge(res: StunMessage): boolean {
    const realm = safeText(res, 'realm');
    const nonce = safeText(res, 'nonce');
    if (this.#key || realm === undefined || nonce === undefined || !this.configured) return false;
    this.#realm = realm;
    this.#nonce = nonce;
    this.#key = longTermKey(this.#username!, realm, this.#password!);
    return true;
  }

  /** Takes the fresh NONCE (and REALM) of a 438 Stale Nonce (RFC 8489 §9.2.5); false when it has none. */
  renewNonce(res: StunMessage): boolean {
    const nonce = safeText(res, 'nonce');
    if (nonce === undefined || !this.#key) return false;
    this.#nonce = nonce;
    const realm = safeText(res, 'realm');
    if (realm !== undefined && realm !== this.#realm) {
      this.#realm = realm;
      this.#key = longTermKey(this.#username!, realm, this.#password!);
    }
    return true;
  }
}

function safeText(msg: StunMessage, which: 'realm' | 'nonce'): string | undefined {
  try {
    return msg.get(which === 'realm' ? Realm : Nonce);
  } catch {
    return undefined;
  }
}
