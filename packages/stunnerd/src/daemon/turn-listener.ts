import type { ListenerConfig } from '@stunner/api';
import type { TransportAddress } from '@stunner/stun';
import type { AuthOptions, TurnEngine } from '@stunner/turn';
import { DtlsTurnListener } from '../turn/dtls-turn-listener.ts';
import { StreamTurnListener } from '../turn/stream-turn-listener.ts';
import { UdpTurnListener } from '../turn/udp-turn-listener.ts';

/** What the daemon needs of a listener, whatever its protocol. */
export interface TurnListener {
  readonly engine: TurnEngine;
  start(): Promise<TransportAddress[]>;
  close(): Promise<void>;
  /** Open client connections (TCP/TLS/DTLS); UDP listeners count their sockets. */
  readonly connections?: number;
  readonly connectionsTotal?: number;
}

export interface ListenerSetup {
  config: ListenerConfig;
  /** The address advertised as XOR-RELAYED-ADDRESS, after `address` is resolved. */
  relayAddress: string;
  auth: AuthOptions;
  admitPeer: (address: string, port: number) => boolean;
  /** Bind on IPv6 too. */
  ipv6: boolean;
}

const pem = (base64: string | undefined) => (base64 ? Buffer.from(base64, 'base64').toString('utf8') : '');

/** Builds the listener a config entry asks for (stunner-v1.md §1.8); it is started by the caller. */
export function createTurnListener(setup: ListenerSetup): TurnListener {
  const { config } = setup;
  const relay = setup.relayAddress.includes(':')
    ? { relayAddress6: setup.relayAddress }
    : { relayAddress: setup.relayAddress };
  const common = {
    port: config.port,
    ...relay,
    auth: setup.auth,
    admitPeer: setup.admitPeer,
    // RFC 5766 clients (coturn 4.6's turnutils_uclient among them) still bind channels up to 0x7FFF.
    engine: { legacyChannelNumbers: true },
  };
  switch (config.protocol) {
    case 'TURN-UDP':
      return new UdpTurnListener({ ...common, ipv6: setup.ipv6 });
    case 'TURN-TCP':
      return new StreamTurnListener({ ...common, transport: 'tcp' });
    case 'TURN-TLS':
      return new StreamTurnListener({ ...common, transport: 'tls', cert: pem(config.cert), key: pem(config.key) });
    case 'TURN-DTLS':
      return new DtlsTurnListener({ ...common, cert: pem(config.cert), key: pem(config.key), ipv6: setup.ipv6 });
    default:
      throw new Error(`listener ${config.name}: protocol ${config.protocol} is not served`);
  }
}
