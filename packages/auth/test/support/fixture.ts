import { type StunnerConfig, validateStunnerConfig } from '@stunner/api';

/** Three gateways as the operator renders them: static auth, ephemeral auth, and one with a public address. */
export const SECRET = 'my-shared-secret';

export function fixtureConfigs(): StunnerConfig[] {
  return [
    validateStunnerConfig({
      version: 'v1',
      admin: { name: 'stunner/udp-gateway' },
      auth: { type: 'static', credentials: { username: 'user-1', password: 'pass-1' } },
      listeners: [
        { name: 'stunner/udp-gateway/udp-listener', protocol: 'TURN-UDP', address: '10.0.0.1', port: 3478 },
        {
          name: 'stunner/udp-gateway/dtls-listener',
          protocol: 'TURN-DTLS',
          address: '10.0.0.1',
          port: 3479,
          public_address: '1.2.3.4',
          public_port: 443,
          cert: PEM,
          key: PEM,
        },
      ],
    }),
    validateStunnerConfig({
      version: 'v1',
      admin: { name: 'stunner/tcp-gateway' },
      auth: { type: 'ephemeral', credentials: { secret: SECRET } },
      listeners: [
        { name: 'stunner/tcp-gateway/tcp-listener', protocol: 'TURN-TCP', address: '10.0.0.2', port: 3478 },
        {
          name: 'stunner/tcp-gateway/tls-listener',
          protocol: 'TURN-TLS',
          address: '10.0.0.2',
          port: 5349,
          cert: PEM,
          key: PEM,
        },
      ],
    }),
    validateStunnerConfig({
      version: 'v1',
      admin: { name: 'other/gw' },
      auth: { type: 'static', credentials: { username: 'u', password: 'p' } },
      listeners: [
        { name: 'other/gw/v6', protocol: 'UDP', address: '::1', port: 3478, public_address: '2001:db8::1' },
        { name: 'not-operator-rendered', protocol: 'UDP', address: '10.9.9.9', port: 3478 },
      ],
    }),
  ];
}

// A syntactically PEM-looking blob: the library never reads certificates, the validator wants the shape.
const PEM = Buffer.from('-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n').toString('base64');
