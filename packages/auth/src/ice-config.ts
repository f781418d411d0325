// The answers of STUNner's auth service (stunner-v1.md §3) as pure functions of the stunnerd configs,
// the request and the time: authd serves them over HTTP, an app server can call them in-process.
import type { StunnerConfig } from '@stunner/api';
import { turnCredentials } from './credentials.ts';
import { AuthError } from './errors.ts';
import {
  DEFAULT_TTL_SECONDS,
  type IceConfig,
  type IceServer,
  type IceTransportPolicy,
  type TurnAuthToken,
} from './ice-types.ts';
import { splitListenerName, turnUri } from './turn-uri.ts';

export interface IceConfigOptions {
  /** User id for ephemeral usernames (`<expiry>:<username>`); static auth ignores it. */
  username?: string;
  /** Credential lifetime, seconds. Default 86400. */
  ttl?: number;
  /** Only gateways in this namespace. */
  namespace?: string;
  /** Only this gateway; applies together with `namespace`, as in STUNner. */
  gateway?: string;
  /** Only this listener; applies together with `namespace` and `gateway`, as in STUNner. */
  listener?: string;
  /** Host for every URI (the request's `public-addr`); wins over `defaultPublicAddr`. */
  publicAddr?: string;
  /** Host for every URI unless the request names one (authd's `STUNNER_PUBLIC_ADDR`). */
  defaultPublicAddr?: string;
  /** Echoed in the ICE config. Default `all`. */
  iceTransportPolicy?: IceTransportPolicy;
  /** Current UNIX time in seconds, for ephemeral expiry. Default the system clock. */
  now?: number;
}

/** The TURN URIs of one config's listeners that pass the filters, in listener order. */
export function matchingTurnUris(config: StunnerConfig, options: IceConfigOptions = {}): string[] {
  const uris: string[] = [];
  const publicAddr = options.publicAddr || options.defaultPublicAddr || undefined;
  for (const l of config.listeners) {
    // Only operator-rendered names locate a listener in a namespace and gateway.
    const name = splitListenerName(l.name);
    if (!name) continue;
    if (options.namespace !== undefined) {
      if (name.namespace !== options.namespace) continue;
      if (options.gateway !== undefined) {
        if (name.gateway !== options.gateway) continue;
        if (options.listener !== undefined && name.listener !== options.listener) continue;
      }
    }
    uris.push(turnUri(l, publicAddr));
  }
  return uris;
}

/**
 * The ICE configuration of `GET /ice`: one RTCIceServer per gateway config with a matching listener,
 * with credentials for that gateway. Throws AuthError: AUTH_ERR_NO_CONFIG (500) when there are no
 * configs, AUTH_ERR_NO_LISTENER (404) when no listener matches, AUTH_ERR_INVALID_CONFIG (500) when
 * every matching gateway has unusable auth.
 */
export function iceConfig(configs: Iterable<StunnerConfig>, options: IceConfigOptions = {}): IceConfig {
  return { iceServers: iceServers(configs, options), iceTransportPolicy: options.iceTransportPolicy ?? 'all' };
}

/** The TURN REST API token of `GET /`: like `iceConfig`, for the first matching gateway only. */
export function turnAuthToken(configs: Iterable<StunnerConfig>, options: IceConfigOptions = {}): TurnAuthToken {
  const [first] = iceServers(configs, options);
  return {
    username: first!.username,
    password: first!.credential,
    ttl: options.ttl ?? DEFAULT_TTL_SECONDS,
    uris: first!.urls,
  };
}

function iceServers(configs: Iterable<StunnerConfig>, options: IceConfigOptions): IceServer[] {
  // Gateway order by id, so "the first gateway" of `GET /` is the same on every call.
  const sorted = [...configs].sort((a, b) => (a.admin.name < b.admin.name ? -1 : a.admin.name > b.admin.name ? 1 : 0));
  if (sorted.length === 0) throw new AuthError('AUTH_ERR_NO_CONFIG', 500, 'no STUNner configuration available');
  const ttl = options.ttl ?? DEFAULT_TTL_SECONDS;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const servers: IceServer[] = [];
  let invalid: AuthError | undefined;
  for (const config of sorted) {
    const urls = matchingTurnUris(config, options);
    if (urls.length === 0) continue;
    try {
      const { username, password } = turnCredentials(config.auth, {
        ...(options.username !== undefined ? { userId: options.username } : {}),
        ttl,
        now,
      });
      servers.push({ username, credential: password, urls });
    } catch (err) {
      // One broken gateway must not hide the others (STUNner skips it too).
      if (!(err instanceof AuthError)) throw err;
      invalid ??= new AuthError(err.code, err.status, `gateway ${config.admin.name}: ${err.message}`);
    }
  }
  if (servers.length > 0) return servers;
  if (invalid) throw invalid;
  throw new AuthError('AUTH_ERR_NO_LISTENER', 404, `no valid listener found${describeFilter(options)}`);
}

function describeFilter(o: IceConfigOptions): string {
  const parts: string[] = [];
  if (o.namespace !== undefined) parts.push(`namespace=${o.namespace}`);
  if (o.namespace !== undefined && o.gateway !== undefined) parts.push(`gateway=${o.gateway}`);
  if (o.namespace !== undefined && o.gateway !== undefined && o.listener !== undefined)
    parts.push(`listener=${o.listener}`);
  return parts.length > 0 ? ` for ${parts.join(' ')}` : '';
}
