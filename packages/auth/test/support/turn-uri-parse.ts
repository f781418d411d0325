import type { TransportKind } from '@stunner/client';

/** An RFC 7065 TURN URI from authd → what a TURN client dials (`turns:` over tcp is TLS, over udp DTLS). */
export function dialTarget(uri: string): { host: string; port: number; transport: TransportKind } {
  const m = /^(turns?):(\[[^\]]+\]|[^:?]+):(\d+)\?transport=(udp|tcp)$/.exec(uri);
  if (!m) throw new Error(`not a TURN URI: ${uri}`);
  const secure = m[1] === 'turns';
  const transport: TransportKind = m[4] === 'udp' ? (secure ? 'dtls' : 'udp') : secure ? 'tls' : 'tcp';
  return { host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]), transport };
}
