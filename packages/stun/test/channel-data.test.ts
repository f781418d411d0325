import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  channelDataPayload,
  channelNumberOf,
  encodeChannelData,
  isChannelData,
  isValidChannelNumber,
  writeChannelDataHeader,
} from '@stunner/stun';

describe('ChannelData', () => {
  it('round-trips a datagram without padding', () => {
    const frame = encodeChannelData(0x4001, Buffer.from('hello'));
    assert.equal(frame.toString('hex'), '4001000568656c6c6f');
    assert.ok(isChannelData(frame));
    assert.equal(channelNumberOf(frame), 0x4001);
    assert.deepEqual(channelDataPayload(frame), Buffer.from('hello'));
  });

  it('pads to 4 bytes for stream transports (RFC 8656 §12.5)', () => {
    const frame = encodeChannelData(0x4fff, Buffer.from('hello'), true);
    assert.equal(frame.length, 12);
    assert.deepEqual(channelDataPayload(frame), Buffer.from('hello'));
  });

  it('returns the payload as a view, without copying', () => {
    const frame = encodeChannelData(0x4000, Buffer.from([1, 2, 3, 4]));
    const payload = channelDataPayload(frame);
    assert.equal(payload.buffer, frame.buffer);
    assert.equal(payload.byteOffset, frame.byteOffset + 4);
  });

  it('accepts an empty payload', () => {
    assert.equal(channelDataPayload(Buffer.from('40000000', 'hex')).length, 0);
  });

  it('knows the valid channel range 0x4000–0x4FFF', () => {
    assert.ok(isValidChannelNumber(0x4000) && isValidChannelNumber(0x4fff));
    assert.ok(!isValidChannelNumber(0x3fff) && !isValidChannelNumber(0x5000) && !isValidChannelNumber(0x7fff));
    assert.throws(() => encodeChannelData(0x5000, Buffer.alloc(1)), { code: 'STUN_ERR_INVALID_ARGUMENT' });
  });

  const bad: Array<[string, string, string]> = [
    ['shorter than the header', '4000', 'STUN_ERR_TOO_SHORT'],
    ['reserved channel 0x5000', '50000000', 'STUN_ERR_BAD_CHANNEL'],
    ['channel below 0x4000', '3fff0000', 'STUN_ERR_BAD_CHANNEL'],
    ['length beyond the datagram', '4000000501020304', 'STUN_ERR_CHANNEL_DATA_LENGTH'],
    ['more than 3 trailing bytes', '40000001aa000000bb', 'STUN_ERR_CHANNEL_DATA_LENGTH'],
  ];
  for (const [name, hex, code] of bad) {
    it(`rejects ${name}`, () => {
      assert.throws(() => channelDataPayload(Buffer.from(hex, 'hex')), { code });
    });
  }

  it('writes a header in place', () => {
    const out = Buffer.alloc(8);
    writeChannelDataHeader(out, 2, 0x4abc, 0x0102);
    assert.equal(out.toString('hex'), '00004abc01020000');
  });

  it('tells ChannelData from STUN, DTLS and RTP by the first byte (RFC 7983)', () => {
    assert.ok(!isChannelData(Buffer.from('0001000021', 'hex')));
    assert.ok(!isChannelData(Buffer.from('16fefd0000', 'hex')));
    assert.ok(!isChannelData(Buffer.from('8000000000', 'hex')));
    assert.ok(isChannelData(Buffer.from('4f00000000', 'hex')));
  });
});
