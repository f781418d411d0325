/** Stable codes of every way untrusted bytes can fail to decode. */
export type StunCodecErrorCode =
  | 'STUN_ERR_TOO_SHORT'
  | 'STUN_ERR_NOT_STUN'
  | 'STUN_ERR_BAD_MAGIC_COOKIE'
  | 'STUN_ERR_BAD_LENGTH'
  | 'STUN_ERR_LENGTH_MISMATCH'
  | 'STUN_ERR_ATTR_OVERRUN'
  | 'STUN_ERR_TOO_MANY_ATTRIBUTES'
  | 'STUN_ERR_ATTR_AFTER_INTEGRITY'
  | 'STUN_ERR_ATTR_AFTER_FINGERPRINT'
  | 'STUN_ERR_BAD_FINGERPRINT'
  | 'STUN_ERR_BAD_ATTRIBUTE'
  | 'STUN_ERR_BAD_CHANNEL'
  | 'STUN_ERR_CHANNEL_DATA_LENGTH'
  | 'STUN_ERR_FRAME_TOO_LARGE'
  | 'STUN_ERR_STREAM_FAILED'
  | 'STUN_ERR_INVALID_ARGUMENT';

/**
 * The only error the codec throws. `code` is stable and meant for programs; the message says what
 * was wrong with the bytes (or, for STUN_ERR_INVALID_ARGUMENT, with the caller's value).
 */
export class StunCodecError extends Error {
  readonly code: StunCodecErrorCode;

  constructor(code: StunCodecErrorCode, message: string) {
    super(message);
    this.name = 'StunCodecError';
    this.code = code;
  }
}

export function isStunCodecError(err: unknown): err is StunCodecError {
  return err instanceof StunCodecError;
}
