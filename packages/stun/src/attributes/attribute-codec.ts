import { StunCodecError } from '../errors.ts';

/**
 * Typed view of one attribute type: decodes the value bytes of a received attribute and encodes
 * a value for sending. `transactionId` is needed by the XOR address attributes only.
 */
export interface AttributeCodec<T> {
  readonly type: number;
  readonly name: string;
  decode(value: Buffer, transactionId: Buffer): T;
  encode(value: T, transactionId: Buffer): Buffer;
}

export function badAttribute(name: string, why: string): StunCodecError {
  return new StunCodecError('STUN_ERR_BAD_ATTRIBUTE', `${name}: ${why}`);
}

export function badArgument(name: string, why: string): StunCodecError {
  return new StunCodecError('STUN_ERR_INVALID_ARGUMENT', `${name}: ${why}`);
}

export function expectLength(name: string, value: Buffer, length: number): void {
  if (value.length !== length) throw badAttribute(name, `length ${value.length}, expected ${length}`);
}
