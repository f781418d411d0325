import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeChannelData,
  type FrameKind,
  Lifetime,
  MessageClass,
  Method,
  StreamFramer,
  StunMessageBuilder,
  Username,
} from '@stunner/stun';

function collect(options?: { maxFrameSize?: number; legacyChannelNumbers?: boolean }) {
  const frames: Array<[FrameKind, string]> = [];
  const framer = new StreamFramer((frame, kind) => frames.push([kind, frame.toString('hex')]), options);
  return { framer, frames };
}

const stun1 = new StunMessageBuilder(Method.Allocate, MessageClass.Request).add(Lifetime, 600).build();
const stun2 = new StunMessageBuilder(Method.Binding, MessageClass.Request)
  .add(Username, 'user')
  .build({ key: Buffer.from('k'), fingerprint: true });
const cd1 = Buffer.from('hello');
const cd2 = Buffer.alloc(0);
const cd3 = Buffer.from('abcd');
const stream = Buffer.concat([
  stun1,
  encodeChannelData(0x4000, cd1, true),
  stun2,
  encodeChannelData(0x4fff, cd2, true),
  encodeChannelData(0x4001, cd3, true),
]);
const expected: Array<[FrameKind, string]> = [
  ['stun', stun1.toString('hex')],
  ['channel-data', encodeChannelData(0x4000, cd1).toString('hex')],
  ['stun', stun2.toString('hex')],
  ['channel-data', encodeChannelData(0x4fff, cd2).toString('hex')],
  ['channel-data', encodeChannelData(0x4001, cd3).toString('hex')],
];

describe('StreamFramer', () => {
  it('splits a stream delivered in one chunk', () => {
    const { framer, frames } = collect();
    framer.push(stream);
    assert.deepEqual(frames, expected);
    assert.equal(framer.bufferedBytes, 0);
  });

  it('yields the same frames for every split point into two chunks', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const { framer, frames } = collect();
      framer.push(stream.subarray(0, cut));
      framer.push(stream.subarray(cut));
      assert.deepEqual(frames, expected, `cut at ${cut}`);
    }
  });

  it('yields the same frames for every pair of split points', () => {
    for (let a = 0; a <= stream.length; a += 3) {
      for (let b = a; b <= stream.length; b += 5) {
        const { framer, frames } = collect();
        framer.push(stream.subarray(0, a));
        framer.push(stream.subarray(a, b));
        framer.push(stream.subarray(b));
        assert.deepEqual(frames, expected, `cuts at ${a}, ${b}`);
      }
    }
  });

  it('yields the same frames fed one byte at a time', () => {
    const { framer, frames } = collect();
    for (let i = 0; i < stream.length; i++) framer.push(stream.subarray(i, i + 1));
    assert.deepEqual(frames, expected);
  });

  it('holds an incomplete frame until the rest arrives', () => {
    const { framer, frames } = collect();
    framer.push(stun1.subarray(0, 10));
    assert.equal(frames.length, 0);
    assert.equal(framer.bufferedBytes, 10);
  });

  it('fails on a byte that starts neither STUN nor ChannelData, and stays failed', () => {
    const { framer } = collect();
    assert.throws(() => framer.push(Buffer.from('8000000400000000', 'hex')), { code: 'STUN_ERR_NOT_STUN' });
    assert.throws(() => framer.push(stun1), { code: 'STUN_ERR_NOT_STUN' });
  });

  it('fails on a reserved channel number', () => {
    assert.throws(() => collect().framer.push(Buffer.from('50000000', 'hex')), { code: 'STUN_ERR_BAD_CHANNEL' });
  });

  it('accepts RFC 5766 channel numbers up to 0x7FFF only when asked', () => {
    const legacy = Buffer.from('6c870002abcd', 'hex');
    assert.throws(() => collect().framer.push(legacy), { code: 'STUN_ERR_BAD_CHANNEL' });
    const { framer, frames } = collect({ legacyChannelNumbers: true });
    framer.push(Buffer.concat([legacy, Buffer.alloc(2)]));
    assert.deepEqual(frames, [['channel-data', '6c870002abcd']]);
    assert.throws(() => collect({ legacyChannelNumbers: true }).framer.push(Buffer.from('80000000', 'hex')), {
      code: 'STUN_ERR_NOT_STUN',
    });
  });

  it('fails on a STUN length that is not a multiple of 4', () => {
    assert.throws(() => collect().framer.push(Buffer.from('00010005', 'hex')), { code: 'STUN_ERR_BAD_LENGTH' });
  });

  it('enforces the maximum frame size before buffering the body', () => {
    const { framer } = collect({ maxFrameSize: 100 });
    assert.throws(() => framer.push(Buffer.from('40000100', 'hex')), { code: 'STUN_ERR_FRAME_TOO_LARGE' });
    const ok = collect({ maxFrameSize: 100 });
    ok.framer.push(encodeChannelData(0x4000, Buffer.alloc(96), true));
    assert.equal(ok.frames.length, 1);
  });

  it('emits a frame inside one chunk as a view of that chunk', () => {
    const views: Buffer[] = [];
    const framer = new StreamFramer((frame) => views.push(frame));
    framer.push(stream);
    assert.equal(views[0]!.buffer, stream.buffer);
  });
});
