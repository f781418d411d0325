// What icetest connects through: one TURN URL with credentials per listener, from `--turn-uri`s, from
// the gateway configs the CDS serves (credentials as turncat makes them, §4), or from authd's /ice (§3).
import { serverFromConfig } from '../../stunner-uri.ts';
import { parseTurnUri, type TurnServerSpec } from '../../turncat-uri.ts';
import type { ConfigView, IceView } from '../summary.ts';

export type IceProtocol = 'udp' | 'tcp' | 'tls' | 'dtls';
export const ICE_PROTOCOLS: readonly IceProtocol[] = ['udp', 'tcp', 'tls', 'dtls'];

export interface IceTarget {
  protocol: IceProtocol;
  /** The listener's name, or the URL when there is none. */
  listener: string;
  /** `turn:`/`turns:` URL (RFC 7065), no credentials. */
  url: string;
  username?: string;
  credential?: string;
  /** Why this listener cannot be tested (no public address yet, ...). */
  error?: string;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** RFC 7065 URL of a server: TLS is `turns:` over TCP, DTLS `turns:` over UDP. */
export function turnUrl(s: Pick<TurnServerSpec, 'transport' | 'host' | 'port'>): string {
  const hp = `${hostForUrl(s.host)}:${s.port}`;
  switch (s.transport) {
    case 'udp':
      return `turn:${hp}?transport=udp`;
    case 'tcp':
      return `turn:${hp}?transport=tcp`;
    case 'tls':
      return `turns:${hp}?transport=tcp`;
    default:
      return `turns:${hp}?transport=udp`;
  }
}

/** Protocol of an RFC 7065 URL as authd writes them. */
export function protocolOfUrl(url: string): IceProtocol | undefined {
  const m = /^(turns?):[^?]*(?:\?(.*))?$/i.exec(url.trim());
  if (!m) return undefined;
  const secure = m[1]!.toLowerCase() === 'turns';
  const transport = new URLSearchParams(m[2] ?? '').get('transport')?.toLowerCase() ?? (secure ? 'tcp' : 'udp');
  if (transport === 'udp') return secure ? 'dtls' : 'udp';
  if (transport === 'tcp') return secure ? 'tls' : 'tcp';
  return undefined;
}

export function targetsFromUris(uris: readonly string[]): IceTarget[] {
  return uris.map((uri) => {
    const s = parseTurnUri(uri);
    const url = turnUrl(s);
    return {
      protocol: s.transport,
      listener: url,
      url,
      ...(s.username !== undefined ? { username: s.username } : {}),
      ...(s.password !== undefined ? { credential: s.password } : {}),
    };
  });
}

/** One target per listener of each config; static credentials as set, ephemeral ones made for an hour. */
export function targetsFromConfigs(configs: readonly ConfigView[], nowSeconds: number): IceTarget[] {
  const out: IceTarget[] = [];
  for (const c of configs) {
    const id = c.admin?.name ?? '';
    const slash = id.indexOf('/');
    const ref = { namespace: id.slice(0, slash), gateway: id.slice(slash + 1) };
    for (const l of c.listeners ?? []) {
      const name = l.name ?? '';
      const protocol = (l.protocol ?? 'TURN-UDP').toLowerCase().replace(/^turn-/, '') as IceProtocol;
      try {
        const s = serverFromConfig(c, { ...ref, listener: name }, nowSeconds);
        out.push({
          protocol: s.transport,
          listener: name,
          url: turnUrl(s),
          ...(s.username !== undefined ? { username: s.username } : {}),
          ...(s.password !== undefined ? { credential: s.password } : {}),
        });
      } catch (err) {
        out.push({ protocol, listener: name, url: '', error: (err as Error).message });
      }
    }
  }
  return out;
}

/** One target per URL of authd's ICE servers. */
export function targetsFromIce(ice: IceView): IceTarget[] {
  const out: IceTarget[] = [];
  for (const s of ice.iceServers ?? []) {
    const urls = Array.isArray(s.urls) ? s.urls : s.urls ? [s.urls] : [];
    for (const url of urls) {
      const protocol = protocolOfUrl(url);
      if (!protocol) continue;
      out.push({
        protocol,
        listener: url,
        url,
        ...(s.username !== undefined ? { username: s.username } : {}),
        ...(s.credential !== undefined ? { credential: s.credential } : {}),
      });
    }
  }
  return out;
}
