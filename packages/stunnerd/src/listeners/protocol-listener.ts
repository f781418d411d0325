import { StunnerdError } from '../errors.ts';
import { DtlsTurnListener } from './dtls-turn-listener.ts';
import type { ProtocolListener, ProtocolListenerFactory } from './local-turn-listener.ts';
import { StreamTurnListener } from './stream-turn-listener.ts';
import { UdpTurnListener } from './udp-turn-listener.ts';

const pem = (base64: string | undefined) => (base64 ? Buffer.from(base64, 'base64').toString('utf8') : '');

/** The TURN listener of a config entry's `protocol` (stunner-v1.md §1.8), served on this thread. */
export const createProtocolListener: ProtocolListenerFactory = (setup, common): ProtocolListener => {
  const { config } = setup;
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
      throw new StunnerdError(
        'STUNNERD_ERR_PROTOCOL',
        `listener ${config.name}: protocol ${config.protocol} is not served; use TURN-UDP, TURN-TCP, TURN-TLS or TURN-DTLS`,
      );
  }
};
