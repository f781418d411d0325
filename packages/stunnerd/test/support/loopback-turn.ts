// A TURN server for interop tests whose peers live on loopback: stunnerd's listener with static auth
// and a route whose STATIC endpoint names 127.0.0.1/32, the only way to open the hard-denied loopback
// range (stunner-v1.md §1.10). `0.0.0.0/0` would leave loopback closed.
import { PeerFilter, UdpTurnListener, type UdpTurnListenerOptions } from '@stunner/stunnerd';
import type { TurnEngine } from '@stunner/turn';

export const REALM = 'stunner.l7mp.io';
export const USERNAME = 'user';
export const PASSWORD = 'pass';

export interface LoopbackTurnServer {
  /** Port the listener is bound on (wildcard; clients use 127.0.0.1). */
  readonly port: number;
  readonly engine: TurnEngine;
  close(): Promise<void>;
}

/** Starts a TURN-UDP listener relaying on 127.0.0.1, admitting only loopback peers. */
export async function startLoopbackTurnUdp(engine?: UdpTurnListenerOptions['engine']): Promise<LoopbackTurnServer> {
  const filter = new PeerFilter({ clusters: [{ name: 'loopback', type: 'STATIC', endpoints: ['127.0.0.1/32'] }] });
  const listener = new UdpTurnListener({
    port: 0,
    relayAddress: '127.0.0.1',
    auth: { type: 'static', realm: REALM, username: USERNAME, password: PASSWORD },
    ipv6: false,
    admitPeer: (address, port) => filter.admit(address, port),
    ...(engine ? { engine } : {}),
  });
  const [bound] = await listener.start();
  return { port: bound!.port, engine: listener.engine, close: () => listener.close() };
}
