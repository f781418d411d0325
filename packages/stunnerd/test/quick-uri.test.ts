import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuickTurnUri } from '@stunner/stunnerd';

describe('quick-mode URI (stunner-v1.md §1.4)', () => {
  it('reads credentials, address, port and transport', () => {
    assert.deepEqual(parseQuickTurnUri('turn://user:pass@10.0.0.1:3478?transport=udp'), {
      username: 'user',
      password: 'pass',
      address: '10.0.0.1',
      port: 3478,
      transport: 'udp',
    });
  });

  it('defaults to port 3478 and UDP, decodes percent-escapes and takes IPv6 in brackets', () => {
    assert.deepEqual(parseQuickTurnUri('turn://us%40er:p%3Ass@[2001:db8::1]'), {
      username: 'us@er',
      password: 'p:ss',
      address: '2001:db8::1',
      port: 3478,
      transport: 'udp',
    });
  });

  for (const [uri, why] of [
    ['not a uri', /not a URI/],
    ['http://user:pass@10.0.0.1:3478', /scheme/],
    ['turn://10.0.0.1:3478', /no username/],
    ['turn://user:pass@example.org:3478', /not an IP/],
    ['turn://user:pass@10.0.0.1:3478?transport=sctp', /transport "sctp"/],
  ] as const) {
    it(`explains what is wrong with ${uri}`, () => {
      const r = parseQuickTurnUri(uri);
      assert.equal(typeof r, 'string');
      assert.match(r as string, why);
    });
  }
});
