// For app servers that ask a running authd (or STUNner's auth service) instead of reading configs.
import { AuthError } from './errors.ts';
import type { IceConfig, IceTransportPolicy, TurnAuthToken } from './ice-types.ts';

export interface FetchAuthOptions {
  username?: string;
  ttl?: number;
  namespace?: string;
  gateway?: string;
  listener?: string;
  publicAddr?: string;
  /** Sent as the `key` parameter. */
  key?: string;
  /** Sent as `Authorization: Bearer <token>` (authd's `--token`). */
  token?: string;
  /** Give up after this long, ms. Default 5000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FetchIceConfigOptions extends FetchAuthOptions {
  iceTransportPolicy?: IceTransportPolicy;
}

/** `GET <authUrl>/ice?service=turn&...`: the ICE configuration to hand to a browser. */
export async function fetchIceConfig(authUrl: string | URL, options: FetchIceConfigOptions = {}): Promise<IceConfig> {
  const body = await get(authUrl, '/ice', options, { iceTransportPolicy: options.iceTransportPolicy });
  if (!isRecord(body) || !Array.isArray(body.iceServers)) throw malformed(authUrl, 'no iceServers array');
  return body as unknown as IceConfig;
}

/** `GET <authUrl>/?service=turn&...`: a TURN REST API token (one gateway's credentials and URIs). */
export async function fetchTurnAuthToken(
  authUrl: string | URL,
  options: FetchAuthOptions = {},
): Promise<TurnAuthToken> {
  const body = await get(authUrl, '/', options, {});
  if (!isRecord(body) || typeof body.username !== 'string' || !Array.isArray(body.uris)) {
    throw malformed(authUrl, 'no username or uris');
  }
  return body as unknown as TurnAuthToken;
}

async function get(
  authUrl: string | URL,
  path: string,
  o: FetchAuthOptions,
  extra: Record<string, string | undefined>,
): Promise<unknown> {
  const url = new URL(authUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  const q = url.searchParams;
  q.set('service', 'turn');
  const params: Record<string, string | number | undefined> = {
    username: o.username,
    ttl: o.ttl,
    namespace: o.namespace,
    gateway: o.gateway,
    listener: o.listener,
    'public-addr': o.publicAddr,
    key: o.key,
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const timeout = AbortSignal.timeout(o.timeoutMs ?? 5000);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, {
      signal,
      headers: { Accept: 'application/json', ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}) },
    });
  } catch (err) {
    throw new AuthError(
      'AUTH_ERR_FETCH',
      502,
      `cannot reach the auth service at ${url.origin}: ${(err as Error).message}`,
    );
  }
  const text = await res.text();
  if (res.status !== 200) {
    throw new AuthError(
      'AUTH_ERR_FETCH',
      res.status,
      `auth service ${url.origin}${path} answered ${res.status}: ${text.trim().slice(0, 300)}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(authUrl, 'not JSON');
  }
}

function malformed(authUrl: string | URL, why: string): AuthError {
  return new AuthError('AUTH_ERR_FETCH', 502, `auth service ${String(authUrl)} gave a malformed answer: ${why}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
