// A TURN server for interop tests whose peers live on loopback: stunnerd's listener with static auth
// and a route whose STATIC endpoint names 127.0.0.1/32, the only way to open the hard-denied loopback
// range (stunner-v1.md §1.10). `0.0.0.0/0` would leave loopback closed.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { PeerFilter, StreamTurnListener, UdpTurnListener, type UdpTurnListenerOptions } from '@stunner/stunnerd';
import { makeSelfSignedCert, type SelfSignedCert } from '@stunner/testing';
import type { TurnEngine } from '@stunner/turn';

export const REALM = 'stunner.l7mp.io';
export const USERNAME = 'user';
export const PASSWORD = 'pass';

/** The client transports stunnerd listens on for these tests. */
export type TurnTransport = 'udp' | 'tcp' | 'tls';

export interface LoopbackTurnServer {
  readonly transport: TurnTransport;
  /** Port the listener is bound on (wildcard; clients use 127.0.0.1). */
  readonly port: number;
  readonly engine: TurnEngine;
  /** The TLS listener's self-signed certificate (SANs localhost and 127.0.0.1). */
  readonly cert: SelfSignedCert | undefined;
  close(): Promise<void>;
}

/**
 * Starts a TURN listener of `transport` relaying on 127.0.0.1 (relays are UDP whatever the client
 * transport), admitting only loopback peers unless `endpoints` say otherwise. TLS gets a fresh
 * self-signed certificate.
 */
export async function startLoopbackTurn(
  transport: TurnTransport,
  engine?: UdpTurnListenerOptions['engine'],
  /** The route's STATIC endpoints. Default `['127.0.0.1/32']`, which opens loopback. */
  endpoints: readonly string[] = ['127.0.0.1/32'],
): Promise<LoopbackTurnServer> {
  const filter = new PeerFilter({ clusters: [{ name: 'loopback', type: 'STATIC', endpoints }] });
  const common = {
    port: 0,
    relayAddress: '127.0.0.1',
    auth: { type: 'static' as const, realm: REALM, username: USERNAME, password: PASSWORD },
    admitPeer: (address: string, port: number) => filter.admit(address, port),
    ...(engine ? { engine } : {}),
  };
  const cert = transport === 'tls' ? makeSelfSignedCert() : undefined;
  const listener =
    transport === 'udp'
      ? new UdpTurnListener({ ...common, ipv6: false })
      : new StreamTurnListener({ ...common, transport, ...(cert ? { cert: cert.cert, key: cert.key } : {}) });
  const [bound] = await listener.start();
  const close = async () => {
    await listener.close();
    if (cert) rmSync(dirname(cert.certPath), { recursive: true, force: true });
  };
  return { transport, port: bound!.port, engine: listener.engine, cert, close };
}
