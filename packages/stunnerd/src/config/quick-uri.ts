import { isIP } from 'node:net';

/** What the positional `turn://user:pass@addr:port?transport=udp` of stunnerd's quick mode says. */
export interface QuickTurnUri {
  readonly username: string;
  readonly password: string;
  /** The listener address: advertised as the relayed address (stunner-v1.md §1.1). */
  readonly address: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp' | 'tls' | 'dtls';
}

/**
 * Parses the quick-mode URI (stunner-v1.md §1.4): static credentials from the user info, the listener
 * address and port (default 3478), `transport` udp (default), tcp, tls or dtls. Returns a message
 * naming what is wrong instead of throwing.
 */
export function parseQuickTurnUri(text: string): QuickTurnUri | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URI; expected turn://user:pass@addr:port?transport=udp`;
  }
  if (url.protocol !== 'turn:' && url.protocol !== 'turns:') {
    return `scheme "${url.protocol}" is not turn: or turns:`;
  }
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (!username) return 'the URI has no username; write turn://user:pass@addr:port';
  const address = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(address) === 0) return `address "${url.hostname}" is not an IP address`;
  const port = url.port === '' ? 3478 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `port "${url.port}" is not 1–65535`;
  const transport = (url.searchParams.get('transport') ?? (url.protocol === 'turns:' ? 'tls' : 'udp')).toLowerCase();
  if (transport !== 'udp' && transport !== 'tcp' && transport !== 'tls' && transport !== 'dtls') {
    return `transport "${transport}" is not udp, tcp, tls or dtls`;
  }
  return { username, password, address, port, transport };
}
