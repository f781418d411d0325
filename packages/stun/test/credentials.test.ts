import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  checkEphemeralUsername,
  ephemeralPassword,
  ephemeralUsername,
  generateEphemeralCredentials,
  longTermKey,
  nonceCookie,
  nonceFeatures,
  SecurityFeature,
  saslPrep,
} from '@stunner/stun';

const NOW = 1_700_000_000;

describe('long-term key', () => {
  it('is MD5(username:realm:password) by default', () => {
    assert.equal(longTermKey('user', 'realm', 'pass').toString('hex'), '8493fbc53ba582fb4c044c456bdc40eb');
  });
  it('is SHA-256 of the same string when asked', () => {
    assert.equal(longTermKey('user', 'realm', 'pass', 'SHA-256').length, 32);
  });
});

describe('TURN REST ephemeral credentials', () => {
  it('generates <expiry>:<user> and base64(HMAC-SHA1(secret, username))', () => {
    const c = generateEphemeralCredentials('my-secret', 'alice', NOW, 3600);
    assert.equal(c.username, `${NOW + 3600}:alice`);
    assert.equal(c.expiry, NOW + 3600);
    assert.equal(c.password, createHmac('sha1', 'my-secret').update(c.username).digest('base64'));
    assert.equal(c.password, ephemeralPassword('my-secret', c.username));
  });

  it('keeps the trailing colon for an empty user id, as STUNner does', () => {
    assert.equal(ephemeralUsername(NOW, 10, ''), `${NOW + 10}:`);
  });

  const future = NOW + 100;
  const accepted: Array<[string, string]> = [
    [`${future}`, `${future}`],
    [`${future}:user`, 'user'],
    [`user:${future}`, `user:${future}`],
    [`user:${future}:extra`, `user:${future}:extra`],
    [`${future}:a:b`, `${future}:a:b`],
    [`+${future}:user`, 'user'],
  ];
  for (const [username, userId] of accepted) {
    it(`accepts "${username}" with user id "${userId}"`, () => {
      assert.deepEqual(checkEphemeralUsername(username, NOW), { ok: true, expiry: future, userId });
    });
  }

  it('refuses an expired username', () => {
    assert.deepEqual(checkEphemeralUsername(`${NOW - 1}:user`, NOW), { ok: false, reason: 'expired', expiry: NOW - 1 });
  });

  it('accepts a username expiring exactly now', () => {
    assert.equal(checkEphemeralUsername(`${NOW}:user`, NOW).ok, true);
  });

  for (const username of ['user', 'user:name', '0:user', '', ':', 'abc:12x', '-5:user', '99999999999999999999:u']) {
    it(`refuses "${username}" as having no usable timestamp`, () => {
      assert.deepEqual(checkEphemeralUsername(username, NOW), { ok: false, reason: 'no-timestamp' });
    });
  }

  it('takes the first integer component as the timestamp', () => {
    assert.deepEqual(checkEphemeralUsername(`x:${future}:${NOW - 5}`, NOW), {
      ok: true,
      expiry: future,
      userId: `x:${future}:${NOW - 5}`,
    });
  });
});

describe('SASLprep', () => {
  it('maps soft hyphen to nothing and applies NFKC (RFC 5769 §2.4)', () => {
    assert.equal(saslPrep('The\u00adM\u00aatr\u2168'), 'TheMatrIX');
  });
  it('maps non-ASCII spaces to SPACE', () => {
    assert.equal(saslPrep('a\u00a0b'), 'a b');
  });
  it('refuses prohibited characters', () => {
    assert.throws(() => saslPrep('a\u0007b'), { code: 'STUN_ERR_INVALID_ARGUMENT' });
    assert.throws(() => saslPrep('a\ue000'), { code: 'STUN_ERR_INVALID_ARGUMENT' });
  });
});

describe('nonce cookie (RFC 8489 §9.2)', () => {
  it('encodes and reads the security feature bits, bit 0 the most significant', () => {
    const both = SecurityFeature.PasswordAlgorithms | SecurityFeature.UsernameAnonymity;
    assert.equal(nonceCookie(both), 'obMatJos2wAAA');
    assert.equal(nonceCookie(SecurityFeature.PasswordAlgorithms), 'obMatJos2gAAA');
    assert.equal(nonceFeatures(`${nonceCookie(both)}rest-of-nonce`), both);
    assert.equal(nonceFeatures('AAAAAAAAAAAAAAAA'), 0);
    assert.equal(nonceFeatures('obMatJos2'), 0);
  });
});
