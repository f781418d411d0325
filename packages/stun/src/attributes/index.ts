import { Attr } from '../constants.ts';

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
