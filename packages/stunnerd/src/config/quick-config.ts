import { type StunnerConfig, validateStunnerConfig } from '@stunner/api';
import { StunnerdError } from '../errors.ts';
import { parseQuickTurnUri } from './quick-uri.ts';
import { generateSelfSignedCert } from './self-signed-cert.ts';

/**
 * The config of stunnerd's quick mode (stunner-v1.md §1.4): static auth with the URI's credentials,
 * one listener `default-listener`, the open cluster `allow-any` (0.0.0.0/0, ::/0; the hard-denied
 * ranges stay closed) and, for TLS and DTLS, a generated self-signed certificate. Throws with what is
 * wrong with the URI.
 */
export async function quickConfig(uri: string): Promise<StunnerConfig> {
  const parsed = parseQuickTurnUri(uri);
  if (typeof parsed === 'string') throw new StunnerdError('STUNNERD_ERR_QUICK_URI', parsed);
  const secure = parsed.transport === 'tls' || parsed.transport === 'dtls';
  const material = secure ? await generateSelfSignedCert(parsed.address) : undefined;
  return validateStunnerConfig({
    version: 'v1',
    admin: { name: 'default-stunnerd' },
    auth: { type: 'static', credentials: { username: parsed.username, password: parsed.password } },
    listeners: [
      {
        name: 'default-listener',
        protocol: `TURN-${parsed.transport.toUpperCase()}`,
        address: parsed.address,
        port: parsed.port,
        routes: ['allow-any'],
        ...(material
          ? { cert: Buffer.from(material.cert).toString('base64'), key: Buffer.from(material.key).toString('base64') }
          : {}),
      },
    ],
    clusters: [{ name: 'allow-any', type: 'STATIC', endpoints: ['0.0.0.0/0', '::/0'] }],
  });
}
