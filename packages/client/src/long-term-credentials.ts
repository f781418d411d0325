import {
  type KeyAlgorithm,
  longTermKey,
  Nonce,
  nonceFeatures,
  PasswordAlgorithm,
  PasswordAlgorithmAttr,
  PasswordAlgorithms,
  type PasswordAlgorithmValue,
  Realm,
  SecurityFeature,
  type StunMessage,
  type StunMessageBuilder,
  Userhash,
  Username,
  userHash,
} from '@stunner/stun';

/**
 * The client side of the long-term credential mechanism (RFC 8489 §9.2): no credentials on the
 * first request; REALM and NONCE taken from the server's 401; a fresh NONCE from each 438. When the
 * 401's nonce cookie announces password algorithms (§9.2.1) and offers SHA-256, the key is
 * SHA-256(username:realm:password), the request echoes PASSWORD-ALGORITHMS, names SHA-256 in
 * PASSWORD-ALGORITHM and carries MESSAGE-INTEGRITY-SHA256; with `userhash` and the username-anonymity
 * bit, USERHASH replaces USERNAME. Otherwise MD5 and MESSAGE-INTEGRITY, as RFC 5389 servers expect.
 */
export class LongTermCredentials {
  readonly #username: string | undefined;
  readonly #password: string | undefined;
  readonly #useUserhash: boolean;
  #realm: string | undefined;
  #nonce: string | undefined;
  #key: Buffer | undefined;
  #algorithm: KeyAlgorithm = 'MD5';
  /** The server's PASSWORD-ALGORITHMS, echoed as received (RFC 8489 §9.2.3.2); undefined when none offered. */
  #offered: PasswordAlgorithmValue[] | undefined;
  #userhash: Buffer | undefined;

  constructor(username: string | undefined, password: string | undefined, options: { userhash?: boolean } = {}) {
    this.#username = username;
    this.#password = password;
    this.#useUserhash = options.userhash === true;
  }

  get configured(): boolean {
    return this.#username !== undefined && this.#password !== undefined;
  }

  /** The long-term key once the realm is known; undefined before the first 401. */
  get key(): Buffer | undefined {
    return this.#key;
  }

  /** The key algorithm in use: SHA-256 when the server offered it, else MD5. */
  get algorithm(): KeyAlgorithm {
    return this.#algorithm;
  }

  /** Which integrity attribute requests carry and responses must verify with. */
  get integrity(): 'sha1' | 'sha256' {
    return this.#algorithm === 'SHA-256' ? 'sha256' : 'sha1';
  }

  /** Adds USERNAME (or USERHASH), REALM, NONCE and the algorithm choice once challenged (RFC 8489 §9.2.4). */
  sign(b: StunMessageBuilder): void {
    if (!this.#key) return;
    if (this.#userhash !== undefined) b.add(Userhash, this.#userhash);
    else b.add(Username, this.#username!);
    b.add(Realm, this.#realm!).add(Nonce, this.#nonce!);
    if (this.#offered !== undefined) {
      const chosen = this.#algorithm === 'SHA-256' ? PasswordAlgorithm.SHA256 : PasswordAlgorithm.MD5;
      b.add(PasswordAlgorithms, this.#offered).add(PasswordAlgorithmAttr, { algorithm: chosen, parameters: NO_PARAMS });
    }
  }

  /**
   * Takes a 401 challenge (RFC 8489 §9.2.3); false when it cannot be answered: no REALM/NONCE in it,
   * or credentials were already sent (then they are wrong).
   */
  challenge(res: StunMessage): boolean {
    const realm = safeText(res, 'realm');
    const nonce = safeText(res, 'nonce');
    if (this.#key || realm === undefined || nonce === undefined || !this.configured) return false;
    this.#nonce = nonce;
    this.#learn(res, realm);
    return true;
  }

  /** Takes the fresh NONCE (and REALM) of a 438 Stale Nonce (RFC 8489 §9.2.5); false when it has none. */
  renewNonce(res: StunMessage): boolean {
    const nonce = safeText(res, 'nonce');
    if (nonce === undefined || !this.#key) return false;
    this.#nonce = nonce;
    this.#learn(res, safeText(res, 'realm') ?? this.#realm!);
    return true;
  }

  /** The realm, the features the nonce announces and the algorithms offered decide the key. */
  #learn(res: StunMessage, realm: string): void {
    const features = nonceFeatures(this.#nonce!);
    let offered: PasswordAlgorithmValue[] | undefined;
    if ((features & SecurityFeature.PasswordAlgorithms) !== 0) {
      try {
        offered = res.get(PasswordAlgorithms);
      } catch {
        offered = undefined;
      }
    }
    this.#offered = offered;
    // SHA-256 when offered (§9.2.3.2: the first algorithm the client supports; we prefer SHA-256).
    const sha256 = offered?.some((a) => a.algorithm === PasswordAlgorithm.SHA256) === true;
    this.#algorithm = sha256 ? 'SHA-256' : 'MD5';
    this.#realm = realm;
    this.#key = longTermKey(this.#username!, realm, this.#password!, this.#algorithm);
    const anonymous = this.#useUserhash && (features & SecurityFeature.UsernameAnonymity) !== 0;
    this.#userhash = anonymous ? userHash(this.#username!, realm) : undefined;
  }
}

const NO_PARAMS = Buffer.alloc(0);

function safeText(msg: StunMessage, which: 'realm' | 'nonce'): string | undefined {
  try {
    return msg.get(which === 'realm' ? Realm : Nonce);
  } catch {
    return undefined;
  }
}
