import { CHANNEL_DATA_HEADER_LENGTH, CHANNEL_NUMBER_MAX, CHANNEL_NUMBER_MIN, HEADER_LENGTH } from './constants.ts';
import { StunCodecError } from './errors.ts';

export type FrameKind = 'stun' | 'channel-data';

export interface StreamFramerOptions {
  /** Largest frame accepted, padding included; a larger one fails the stream. Default 65556 (20 + 65535 rounded up). */
  maxFrameSize?: number;
  /**
   * Accept channel numbers up to 0x7FFF as RFC 5766 did (coturn 4.6's clients still pick them), not
   * only RFC 8656's 0x4000–0x4FFF. Default false.
   */
  legacyChannelNumbers?: boolean;
}

export const DEFAULT_MAX_FRAME_SIZE = 65556;

const READ_HEADER = 0;
const READ_BODY = 1;
const FAILED = 2;

/**
 * Splits a TCP/TLS byte stream into STUN messages and ChannelData frames (RFC 8656 §12.5, RFC 6062 §4).
 * Both start with a 16-bit word and a 16-bit length: STUN frames are 20 + length bytes, ChannelData
 * frames 4 + length bytes padded to a multiple of 4 (the padding is consumed, not emitted).
 * A frame inside one chunk is emitted as a view; one spanning chunks is copied once.
 * Invalid framing leaves no way to resynchronise: `push` throws, and every later push throws too.
 */
export class StreamFramer {
  readonly #onFrame: (frame: Buffer, kind: FrameKind) => void;
  readonly #maxFrameSize: number;
  readonly #maxChannel: number;
  readonly #header = Buffer.alloc(CHANNEL_DATA_HEADER_LENGTH);
  #chunks: Buffer[] = [];
  #offset = 0;
  #buffered = 0;
  #state = READ_HEADER;
  #kind: FrameKind = 'stun';
  #frameLength = 0;
  #padding = 0;
  #error: StunCodecError | undefined;

  constructor(onFrame: (frame: Buffer, kind: FrameKind) => void, options: StreamFramerOptions = {}) {
    this.#onFrame = onFrame;
    this.#maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.#maxChannel = options.legacyChannelNumbers ? 0x7fff : CHANNEL_NUMBER_MAX;
  }

  /** Bytes received but not yet emitted as a frame. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  push(chunk: Buffer): void {
    if (this.#state === FAILED) throw this.#error!;
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    for (;;) {
      if (this.#state === READ_HEADER) {
        if (this.#buffered < CHANNEL_DATA_HEADER_LENGTH) return;
        this.#copyOut(this.#header, CHANNEL_DATA_HEADER_LENGTH);
        this.#readHeader();
      }
      const total = this.#frameLength + this.#padding;
      if (this.#buffered < total) return;
      const frame = this.#take(this.#frameLength);
      this.#skip(this.#padding);
      this.#state = READ_HEADER;
      this.#onFrame(frame, this.#kind);
    }
  }

  #readHeader(): void {
    const first = this.#header.readUInt16BE(0);
    const length = this.#header.readUInt16BE(2);
    if (first >> 14 === 0) {
      if (length % 4 !== 0) this.#fail('STUN_ERR_BAD_LENGTH', `STUN message length ${length} is not a multiple of 4`);
      this.#kind = 'stun';
      this.#frameLength = HEADER_LENGTH + length;
      this.#padding = 0;
    } else if (first >= CHANNEL_NUMBER_MIN && first <= this.#maxChannel) {
      this.#kind = 'channel-data';
      this.#frameLength = CHANNEL_DATA_HEADER_LENGTH + length;
      this.#padding = (4 - (length % 4)) % 4;
    } else if (first >> 14 === 1) {
      this.#fail(
        'STUN_ERR_BAD_CHANNEL',
        `channel 0x${first.toString(16)} is outside 0x4000–0x${this.#maxChannel.toString(16).toUpperCase()}`,
      );
    } else {
      this.#fail('STUN_ERR_NOT_STUN', `stream byte 0x${(first >> 8).toString(16)} starts neither STUN nor ChannelData`);
    }
    if (this.#frameLength + this.#padding > this.#maxFrameSize) {
      this.#fail('STUN_ERR_FRAME_TOO_LARGE', `frame of ${this.#frameLength} bytes exceeds ${this.#maxFrameSize}`);
    }
    this.#state = READ_BODY;
  }

  #fail(code: StunCodecError['code'], message: string): never {
    this.#state = FAILED;
    this.#chunks = [];
    this.#buffered = 0;
    this.#error = new StunCodecError(code, message);
    throw this.#error;
  }

  /** Copies the first `n` buffered bytes into `target` without consuming them. */
  #copyOut(target: Buffer, n: number): void {
    let copied = 0;
    let offset = this.#offset;
    for (const chunk of this.#chunks) {
      copied += chunk.copy(target, copied, offset, Math.min(chunk.length, offset + n - copied));
      offset = 0;
      if (copied === n) return;
    }
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0]!;
    if (first.length - this.#offset >= n) {
      const view = first.subarray(this.#offset, this.#offset + n);
      this.#skip(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    this.#copyOut(out, n);
    this.#skip(n);
    return out;
  }

  #skip(n: number): void {
    this.#buffered -= n;
    while (n > 0) {
      const first = this.#chunks[0]!;
      const available = first.length - this.#offset;
      if (available > n) {
        this.#offset += n;
        return;
      }
      n -= available;
      this.#chunks.shift();
      this.#offset = 0;
    }
    if (this.#chunks.length > 0 && this.#offset === this.#chunks[0]!.length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
  }
}
