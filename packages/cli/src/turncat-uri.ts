import { isIP } from 'node:net';
import type { TransportKind } from '@stunner/client';
import { TurncatError } from './turncat-errors.ts';

/** Where turncat takes client traffic from: a UDP, TCP or unix-socket listener, or stdin/stdout (`-`). */
export type ClientAddress =
  | { kind: 'udp' | 'tcp'; address: string; port: number }
  | { kind: 'unix'; path: string }
  | { kind: 'stdio' };

/** A TURN server as a `turn:`/`turns:` URI names it. */
export interface TurnServerSpec {
  transport: TransportKind;
  host: string;
  port: number;
  username?: string;
  password?: string;
}

export interface K8sServerRef {
  namespace: string;
  gateway: string;
  listener: string;
}

function hostPort(text: string): { host: string; port: string } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  return m ? { host: m[1]!, port: m[2]! } : undefined;
}

function port(text: string): number | undefined {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** `udp://ip:port`, `tcp://ip:port`, `unix://<path>` (a stream socket) or `-` (stdin/stdout). */
export function parseClientAddress(text: string): ClientAddress {
  if (text === '-') return { kind: 'stdio' };
  const unix = /^unix:\/\/(.+)$/i.exec(text);
  if (unix) return { kind: 'unix', path: unix[1]! };
  const m = /^(udp|tcp):\/\/(.+)$/i.exec(text);
  const hp = m ? hostPort(m[2]!) : undefined;
  const p = hp ? port(hp.port) : undefined;
  if (!m || !hp || p === undefined) {
    throw new TurncatError(
      'TURNCAT_ERR_CLIENT_ADDRESS',
      `invalid client address "${text}": expected udp://<ip>:<port>, tcp://<ip>:<port>, unix://<path> or - for stdin`,
    );
  }
  return { kind: m[1]!.toLowerCase() as 'udp' | 'tcp', address: hp.host, port: p };
}

/** `udp://ip:port` (a host name is resolved later). */
export function parsePeerAddress(text: string): { host: string; port: number } {
  if (text.trim() === '') {
    throw new TurncatError('TURNCAT_ERR_PEER_ADDRESS', 'empty peer address: expected udp://<ip>:<port>');
  }
  const m = /^udp:\/\/(.+)$/i.exec(text);
  const hp = m ? hostPort(m[1]!) : undefined;
  const p = hp ? port(hp.port) : undefined;
  if (!m || !hp || p === undefined) {
    throw new TurncatError(
      'TURNCAT_ERR_PEER_ADDRESS',
      `invalid peer address "${text}": expected udp://<ip>:<port> (TURN relays UDP to the peer)`,
    );
  }
  return { host: hp.host, port: p };
}

const TRANSPORTS: Record<string, TransportKind> = { udp: 'udp', tcp: 'tcp', tls: 'tls', dtls: 'dtls' };

/**
 * `turn://user:pass@host:port?transport=udp|tcp|tls|dtls` or `turns://…` (also the RFC 7065 form
 * without `//`). `turns:` means TLS, or DTLS with transport=udp|dtls. Default ports 3478 and 5349.
 */
export function parseTurnUri(text: string): TurnServerSpec {
  const bad = (why: string): TurncatError =>
    new TurncatError(
      'TURNCAT_ERR_SERVER_URI',
      `invalid TURN server URI "${redact(text)}": ${why}; expected turn://<user>:<pass>@<host>:<port>?transport=<udp|tcp|tls|dtls> or k8s://<namespace>/<gateway>:<listener>`,
    );
  const m = /^(turns?):(\/\/)?([^?]*)(?:\?(.*))?$/i.exec(text);
  if (!m) throw bad('unknown scheme');
  const secure = m[1]!.toLowerCase() === 'turns';
  let authority = m[3]!;
  let username: string | undefined;
  let password: string | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = userinfo.indexOf(':');
    if (colon < 0) throw bad('credentials must be <user>:<pass>');
    try {
      username = decodeURIComponent(userinfo.slice(0, colon));
      password = decodeURIComponent(userinfo.slice(colon + 1));
    } catch {
      throw bad('bad percent-encoding in the credentials');
    }
  }
  authority = authority.replace(/\/$/, '');
  let host = authority;
  let p: number | undefined = secure ? 5349 : 3478;
  const hp = hostPort(authority);
  if (hp) {
    host = hp.host;
    p = port(hp.port);
    if (p === undefined) throw bad(`port ${hp.port} is outside 1–65535`);
  } else if (authority.startsWith('[') && authority.endsWith(']')) {
    host = authority.slice(1, -1);
  }
  if (host === '' || (/[:[\]/]/.test(host) && isIP(host) !== 6)) throw bad('no valid host');
  let transport: TransportKind = secure ? 'tls' : 'udp';
  for (const [key, value] of new URLSearchParams(m[4] ?? '')) {
    if (key.toLowerCase() !== 'transport') continue;
    const t = TRANSPORTS[value.toLowerCase()];
    if (!t) throw bad(`unknown transport "${value}"`);
    transport = t;
  }
  // RFC 7065 §3: turns with transport=udp is DTLS, turns with transport=tcp is TLS.
  if (secure && transport === 'udp') transport = 'dtls';
  if (secure && transport === 'tcp') transport = 'tls';
  return { transport, host, port: p, username, password };
}

/** `k8s://<namespace>/<gateway>:<listener>`, or `k8s:///<gateway>:<listener>` with the namespace from `-n`. */
export function parseK8sUri(text: string, defaultNamespace: string): K8sServerRef {
  const m = /^k8s:\/\/([0-9A-Za-z_-]*)\/([0-9A-Za-z_-]+):([0-9A-Za-z_-]+)$/.exec(text);
  if (!m) {
    throw new TurncatError(
      'TURNCAT_ERR_SERVER_URI',
      `invalid STUNner URI "${text}": expected k8s://<namespace>/<gateway>:<listener> (names of [0-9A-Za-z_-])`,
    );
  }
  return { namespace: m[1] || defaultNamespace, gateway: m[2]!, listener: m[3]! };
}

/** The URI with its password hidden, for messages. */
export function redact(uri: string): string {
  return uri.replace(/^(turns?:(?:\/\/)?[^:@/?]*:)[^@]*@/i, '$1***@');
}

/** `<transport>://host:port` as turncat prints the server. */
export function formatServer(s: TurnServerSpec): string {
  const host = s.host.includes(':') ? `[${s.host}]` : s.host;
  return `${s.transport}://${host}:${s.port}`;
}
