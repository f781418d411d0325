import { Attr } from '../constants.ts';
import * as addressAttributes from './address-attributes.ts';
import type { AttributeCodec } from './attribute-codec.ts';
import * as valueAttributes from './value-attributes.ts';

export * from './address-attributes.ts';
export * from './attribute-codec.ts';
export * from './value-attributes.ts';

/** Names of every attribute type this codec knows, for logs and error messages. */
export const ATTRIBUTE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(Attr).map(([name, type]) => [type, name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toUpperCase()]),
);

export function attributeName(type: number): string {
  return ATTRIBUTE_NAMES.get(type) ?? `0x${type.toString(16).padStart(4, '0')}`;
}

/** Every typed attribute codec, by attribute type. */
export const ATTRIBUTE_CODECS: ReadonlyMap<number, AttributeCodec<unknown>> = new Map(
  ([...Object.values(addressAttributes), ...Object.values(valueAttributes)] as unknown[])
    .filter((v): v is AttributeCodec<unknown> => typeof v === 'object' && v !== null && 'decode' in v)
    .map((codec) => [codec.type, codec]),
);
