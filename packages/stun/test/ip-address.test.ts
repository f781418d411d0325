import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import { bytesToIp, ipToBytes } from '@stunner/stun';

describe('IP address bytes', () => {
  const cases: Array<[string, string]> = [
    ['127.0.0.1', '7f000001'],
    ['255.255.255.255', 'ffffffff'],
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['2001:db8:1234:5678:11:2233:4455:6677', '20010db8123456780011223344556677'],
    ['::ffff:10.1.2.3', '00000000000000000000ffff0a010203'],
    ['fe80::', 'fe800000000000000000000000000000'],
    ['1:0:0:2:0:0:0:3', '00010000000000020000000000000003'],
  ];
  for (const [text, hex] of cases) {
    it(`${text} ⇄ ${hex}`, () => {
      assert.equal(ipToBytes(text).toString('hex'), hex);
      const bytes = Buffer.from(hex, 'hex');
      const back = bytesToIp(bytes, 0, bytes.length as 4 | 16);
      assert.ok(isIP(back));
      assert.equal(ipToBytes(back).toString('hex'), hex);
    });
  }

  it('formats IPv6 per RFC 5952: lowercase, longest zero run compressed, first on a tie', () => {
    assert.equal(bytesToIp(Buffer.from('00010000000000020000000000000003', 'hex'), 0, 16), '1:0:0:2::3');
    assert.equal(bytesToIp(Buffer.from('00010000000000020000000000030004', 'hex'), 0, 16), '1::2:0:0:3:4');
    assert.equal(bytesToIp(Buffer.from('20010db8000100000001000100010001', 'hex'), 0, 16), '2001:db8:1:0:1:1:1:1');
  });

  it('refuses text that is not an address', () => {
    assert.throws(() => ipToBytes('example.org'), { code: 'STUN_ERR_INVALID_ARGUMENT' });
  });
});
