import { StreamTransport } from './stream-transport.ts';
import type { ClientTransport, TransportConnectOptions } from './transport.ts';
import { UdpTransport } from './udp-transport.ts';

/** Opens the transport the options name; TLS and DTLS have finished their handshakes when this resolves. */
export async function connectTransport(options: TransportConnectOptions): Promise<ClientTransport> {
  switch (options.kind) {
    case 'udp':
      return UdpTransport.connect(options.host, options.port);
    case 'tcp':
    case 'tls':
      return StreamTransport.connect(options);
    case 'dtls': {
      // werift-dtls and its certificate libraries take about half a second to load: only when needed.
      const { DtlsTransport } = await import('./dtls-transport.ts');
      return DtlsTransport.connect(options);
    }
  }
}
