import { type StunnerConfig, validateStunnerConfig } from '@stunner/api';

/** A config as the operator renders it for Gateway `<ns>/<gw>` with one listener per protocol given. */
export function gatewayConfig(
  id: string,
  listeners: { name: string; protocol: string; port: number; address?: string; public_address?: string }[],
  auth: { type: 'static'; username: string; password: string } | { type: 'ephemeral'; secret: string } = {
    type: 'static',
    username: 'user-1',
    password: 'pass-1',
  },
  extra: { healthcheck_endpoint?: string; cert?: string; key?: string } = {},
): StunnerConfig {
  const { type, ...credentials } = auth;
  return validateStunnerConfig({
    version: 'v1',
    admin: { name: id, healthcheck_endpoint: extra.healthcheck_endpoint ?? '' },
    auth: { type, realm: 'stunner.l7mp.io', credentials },
    listeners: listeners.map((l) => ({
      address: '127.0.0.1',
      ...l,
      name: `${id}/${l.name}`,
      routes: ['allow-loopback'],
      ...(l.protocol.endsWith('TLS') ? { cert: extra.cert, key: extra.key } : {}),
    })),
    clusters: [{ name: 'allow-loopback', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
  });
}
