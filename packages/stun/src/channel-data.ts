import { CHANNEL_DATA_HEADER_LENGTH, CHANNEL_NUMBER_MAX, CHANNEL_NUMBER_MIN } from './constants.ts';
import { StunCodecError } from './errors.ts';

/** RFC 8656 §12: the channel numbers a client may bind. */
export function isValidChannelNumber(channel: number): boolean {
  return channel >= CHANNEL_NUMBER_MIN && channel <= CHANNEL_NUMBER_MAX;
}

/** RFC 7983 §7: a first byte of 64–79 marks ChannelData among STUN, DTLS and RTP on one port. */
export function isChannelData(buf: Buffer): boolean {
  return buf.length >= CHANNEL_DATA_HEADER_LENGTH && buf[0]! >= 0x40 && buf[0]! <= 0x4f;
}

/** The channel number of a ChannelData message (call after `channelDataPayload` validated it). */
export function channelNumberOf(buf: Buffer): number {
  return (buf[0]! << 8) | buf[1]!;
}

/**
 * Validates a ChannelData datagram and returns its payload as a view into `buf` (no copy, no other
 * allocation). Over UDP the sender may omit or include the up-to-3 padding bytes (RFC 8656 §12.5).
 */
export function channelDataPayload(buf: Buffer): Buffer {
  if (buf.length < CHANNEL_DATA_HEADER_LENGTH) {
    throw new StunCodecError('STUN_ERR_TOO_SHORT', `${buf.length} bytes is shorter than a ChannelData header`);
  }
  const channel = (buf[0]! << 8) | buf[1]!;
  if (channel < CHANNEL_NUMBER_MIN || channel > CHANNEL_NUMBER_MAX) {
    throw new StunCodecError('STUN_ERR_BAD_CHANNEL', `channel 0x${channel.toString(16)} is outside 0x4000–0x4FFF`);
  }
  const length = (buf[2]! << 8) | buf[3]!;
  const end = CHANNEL_DATA_HEADER_LENGTH + length;
  if (end > buf.length || buf.length - end > 3) {
    throw new StunCodecError('STUN_ERR_CHANNEL_DATA_LENGTH', `length field ${length} does not fit ${buf.length} bytes`);
  }
  return buf.subarray(CHANNEL_DATA_HEADER_LENGTH, end);
}

/** Writes a ChannelData header into `target` at `offset`, for senders that assemble frames in place. */
export function writeChannelDataHeader(target: Buffer, offset: number, channel: number, length: number): void {
  target[offset] = channel >> 8;
  target[offset + 1] = channel & 0xff;
  target[offset + 2] = length >> 8;
  target[offset + 3] = length & 0xff;
}

/**
 * Encodes a ChannelData message. `pad` adds the zero padding to a multiple of 4 that stream transports
 * require (RFC 8656 §12.5); datagrams go without it.
 */
export function encodeChannelData(channel: number, data: Buffer, pad = false): Buffer {
  if (!isValidChannelNumber(channel)) {
    throw new StunCodecError('STUN_ERR_INVALID_ARGUMENT', `channel 0x${channel.toString(16)} is outside 0x4000–0x4FFF`);
  }
  if (data.length > 0xffff) throw new StunCodecError('STUN_ERR_INVALID_ARGUMENT', `payload of ${data.length} bytes`);
  const size = CHANNEL_DATA_HEADER_LENGTH + data.length;
  const out = Buffer.alloc(pad ? (size + 3) & ~3 : size);
  writeChannelDataHeader(out, 0, channel, data.length);
  data.copy(out, CHANNEL_DATA_HEADER_LENGTH);
  return out;
}
