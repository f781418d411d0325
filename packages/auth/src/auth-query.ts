// Reading the query of `GET /` and `GET /ice` (stunner-v1.md §3) into library options, refusing what
// STUNner would silently misread: unknown parameters, a ttl that is not a positive integer, an unknown
// ICE transport policy, a public address that is no host.
import { isIP } from 'node:net';
import { AuthError } from './errors.ts';
import type { IceConfigOptions } from './ice-config.ts';
import { ICE_TRANSPORT_POLICIES, type IceTransportPolicy } from './ice-types.ts';

/** `turn` is `GET /` (TURN REST API token), `ice` is `GET /ice` (ICE configuration). */
export type AuthEndpoint = 'turn' | 'ice';

export interface AuthQuery extends IceConfigOptions {
  /** The `key` parameter (STUNner ignores it; authd checks it when given a token). */
  key?: string;
}

const COMMON = ['service', 'username', 'ttl', 'key', 'namespace', 'gateway', 'listener', 'public-addr', 'public-ip'];
const KNOWN: Record<AuthEndpoint, readonly string[]> = { turn: COMMON, ice: [...COMMON, 'iceTransportPolicy'] };

/** Longest credential lifetime accepted, seconds (ten years). */
export const MAX_TTL_SECONDS = 315_360_000;

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** Parses a request query; throws AuthError (400) with what to fix. */
export function parseAuthQuery(params: URLSearchParams, endpoint: AuthEndpoint): AuthQuery {
  const known = KNOWN[endpoint];
  for (const name of params.keys()) {
    if (!known.includes(name)) {
      throw new AuthError(
        'AUTH_ERR_BAD_QUERY',
        400,
        `unknown query parameter "${name}"; ${endpoint === 'ice' ? 'GET /ice' : 'GET /'} takes ${known.filter((k) => k !== 'public-ip').join(', ')}`,
      );
    }
  }
  const service = params.get('service');
  if (service !== 'turn') {
    throw new AuthError(
      'AUTH_ERR_BAD_SERVICE',
      400,
      `"service" must be "turn"${service === null ? ' (add service=turn to the query)' : `, not "${service}"`}`,
    );
  }
  const query: AuthQuery = {};
  const text = (name: string): string | undefined => params.get(name) ?? undefined;
  const username = text('username');
  if (username !== undefined) query.username = username;
  const ttl = text('ttl');
  if (ttl !== undefined) query.ttl = parseTtl(ttl);
  const key = text('key');
  if (key !== undefined) query.key = key;
  for (const f of ['namespace', 'gateway', 'listener'] as const) {
    const v = text(f);
    if (v !== undefined) query[f] = v;
  }
  // `public-ip` is what older STUNner auth services called it.
  const publicAddr = text('public-addr') ?? text('public-ip');
  if (publicAddr !== undefined) query.publicAddr = parsePublicAddr(publicAddr);
  const policy = text('iceTransportPolicy');
  if (policy !== undefined) {
    if (!(ICE_TRANSPORT_POLICIES as readonly string[]).includes(policy)) {
      throw new AuthError(
        'AUTH_ERR_BAD_QUERY',
        400,
        `iceTransportPolicy "${policy}" is unknown; use ${ICE_TRANSPORT_POLICIES.join(', ')}`,
      );
    }
    query.iceTransportPolicy = policy as IceTransportPolicy;
  }
  return query;
}

function parseTtl(text: string): number {
  const n = /^\d{1,12}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n > 0 && n <= MAX_TTL_SECONDS)) {
    throw new AuthError(
      'AUTH_ERR_BAD_QUERY',
      400,
      `ttl "${text}" is not a positive whole number of seconds up to ${MAX_TTL_SECONDS} (default 86400)`,
    );
  }
  return n;
}

function parsePublicAddr(text: string): string {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIP(bare) === 0 && !HOSTNAME.test(bare)) {
    throw new AuthError('AUTH_ERR_BAD_QUERY', 400, `public-addr "${text}" is not an IP address or a DNS name`);
  }
  return bare;
}
