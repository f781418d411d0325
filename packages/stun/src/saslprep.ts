import { StunCodecError } from './errors.ts';

// RFC 3454 B.1: code points mapped to nothing, each on its own (U+034F is a combining mark).
// biome-ignore lint/suspicious/noMisleadingCharacterClass: the class lists code points to delete one by one.
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/g;
// RFC 3454 C.1.2: non-ASCII spaces, mapped to SPACE by RFC 4013 §2.1.
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g;
// Built from strings: the classes name control code points on purpose.
// RFC 4013 §2.3: prohibited output (C.1.2 is mapped above): controls, private use, non-characters,
// surrogates, inappropriate for plain text or canonical representation, display-changing, tagging.
const PROHIBITED = new RegExp(
  [
    '[\\u0000-\\u001F\\u007F-\\u009F\\u06DD\\u070F\\u180E\\u200E\\u200F\\u2028-\\u202E\\u2060-\\u2063\\u206A-\\u206F]',
    '[\\u0340\\u0341\\u2FF0-\\u2FFB\\uE000-\\uF8FF\\uFDD0-\\uFDEF\\uFFF9-\\uFFFF]',
    '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])',
    '(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]',
    '\\uDB40[\\uDC01\\uDC20-\\uDC7F]',
    '[\\uDB80-\\uDBFF][\\uDC00-\\uDFFF]',
    '\\uD834[\\uDD73-\\uDD7A]',
  ].join('|'),
);

/**
 * SASLprep (RFC 4013) of a password or username, as RFC 5389 §15.4 asked and the RFC 5769 long-term
 * vector assumes: mapping, NFKC, prohibited output. The bidirectional check of RFC 3454 §6 is not
 * applied. STUNner does not prepare credentials, so the gateway uses them raw unless configured to.
 */
export function saslPrep(input: string): string {
  const mapped = input.replace(MAPPED_TO_NOTHING, '').replace(NON_ASCII_SPACE, ' ').normalize('NFKC');
  if (PROHIBITED.test(mapped)) {
    throw new StunCodecError('STUN_ERR_INVALID_ARGUMENT', 'the string contains a character SASLprep prohibits');
  }
  return mapped;
}
