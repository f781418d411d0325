// Secret values as text: `stringData` (manifests) wins over base64 `data` (apiserver), as kubectl applies it.
import type { Secret } from './kube-types.ts';

export function secretValue(secret: Secret, key: string): string | undefined {
  const plain = secret.stringData?.[key];
  if (plain !== undefined) return plain;
  const b64 = secret.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

/** The value base64-encoded, as stunnerd wants certificates and keys (§1.1). */
export function secretValueBase64(secret: Secret, key: string): string | undefined {
  const b64 = secret.data?.[key];
  if (b64 !== undefined && secret.stringData?.[key] === undefined) return b64.replace(/\s+/g, '');
  const plain = secret.stringData?.[key];
  return plain === undefined ? undefined : Buffer.from(plain, 'utf8').toString('base64');
}
