import { isIP } from 'node:net';
import { CdsError, causeMessage, fetchConfigs, selectorOf } from '@stunner/cds-client';
import type { TransportKind } from '@stunner/client';
import { ephemeralPassword } from '@stunner/stun';
import { TurncatError } from './turncat-errors.ts';
import type { K8sServerRef, TurnServerSpec } from './turncat-uri.ts';

/** The parts of a stunnerd config (v1, stunner-v1.md §1.1) turncat reads. */
interface ListenerConfig {
  name?: string;
  protocol?: string;
  address?: string;
  port?: number;
  public_address?: string;
  public_port?: number;
}
interface StunnerConfig {
  version?: string;
  auth?: { type?: string; realm?: string; credentials?: Record<string, string> };
  listeners?: ListenerConfig[] | null;
}

/** pion's GenerateLongTermCredentials lifetime, which STUNner's turncat uses for ephemeral auth. */
export const EPHEMERAL_TTL_SECONDS = 3600;
export const DEFAULT_CDS_PORT = 13478;

export interface CdsOptions {
  /** `--cds-server-address`: `host:port`, `host` (port from `cdsPort`) or an `http(s)://` URL. */
  address: string | undefined;
  /** `--cds-server-port`. Default 13478. */
  port?: number;
  /** UNIX seconds, for ephemeral credentials. Default now. */
  nowSeconds?: number;
  /** Request limit. Default 5000 ms. */
  timeoutMs?: number;
}

/** Base URL of the CDS server from the flag value. */
export function cdsBaseUrl(address: string, port = DEFAULT_CDS_PORT): string {
  if (/^https?:\/\//i.test(address)) return address.replace(/\/+$/, '');
  const hasPort = /^\[[^\]]+\]:\d+$/.test(address) || /^[^:]+:\d+$/.test(address);
  return `http://${hasPort ? address : `${address.includes(':') && !address.startsWith('[') ? `[${address}]` : address}:${port}`}`;
}

/** GET /api/v1/configs/<ns>/<name> (stunner-v1.md §1.6): the stunnerd config of one Gateway. */
export async function fetchStunnerConfig(ref: K8sServerRef, options: CdsOptions): Promise<StunnerConfig> {
  if (!options.address) {
    throw new TurncatError(
      'TURNCAT_ERR_CDS',
      'k8s:// URIs need the config discovery service: pass --cds-server-address <host:port> (finding it through the Kubernetes API is not supported yet)',
    );
  }
  const id = `${ref.namespace}/${ref.gateway}`;
  const base = cdsBaseUrl(options.address, options.port);
  let body: unknown;
  try {
    [body] = await fetchConfigs(base, selectorOf(id), { timeoutMs: options.timeoutMs ?? 5000 });
  } catch (cause) {
    if (!(cause instanceof CdsError)) throw cause;
    const message =
      cause.code === 'CDS_ERR_UNREACHABLE'
        ? `cannot reach the CDS server at ${base}: ${causeMessage(cause.cause)}`
        : cause.code === 'CDS_ERR_NOT_FOUND'
          ? `the CDS server has no config for ${id} (404): check the namespace and the Gateway name`
          : cause.code === 'CDS_ERR_BODY'
            ? `the CDS server sent no valid JSON for ${id}`
            : `the CDS server answered ${cause.status} for ${cause.url}`;
    throw new TurncatError('TURNCAT_ERR_CDS', message, { cause });
  }
  if (typeof body !== 'object' || body === null || (body as StunnerConfig).version !== 'v1') {
    throw new TurncatError('TURNCAT_ERR_CDS', `the CDS server sent no stunnerd v1 config for ${id}`);
  }
  return body as StunnerConfig;
}

const PROTOCOLS: Record<string, TransportKind> = { UDP: 'udp', TCP: 'tcp', TLS: 'tls', DTLS: 'dtls' };

function usableIp(address: string | undefined): address is string {
  return address !== undefined && isIP(address) !== 0 && address !== '0.0.0.0' && address !== '::';
}

/**
 * The TURN server of one listener in a stunnerd config: its public address and port (falling back to
 * a concrete listener address), its protocol, and credentials from the auth section — static ones as
 * configured, ephemeral ones generated from the shared secret for one hour.
 */
export function serverFromConfig(config: StunnerConfig, ref: K8sServerRef, nowSeconds: number): TurnServerSpec {
  const id = `${ref.namespace}/${ref.gateway}`;
  const listeners = config.listeners ?? [];
  // The operator names listeners <namespace>/<gateway>/<listener>.
  const listener = listeners.find((l) => l.name === ref.listener || l.name?.endsWith(`/${ref.listener}`));
  if (!listener) {
    const names = listeners.map((l) => l.name).join(', ') || 'none';
    throw new TurncatError(
      'TURNCAT_ERR_LISTENER',
      `config ${id} has no listener "${ref.listener}" (listeners: ${names})`,
    );
  }
  const protocol = (listener.protocol ?? 'TURN-UDP').toUpperCase().replace(/^TURN-/, '');
  const transport = PROTOCOLS[protocol];
  if (!transport) {
    throw new TurncatError(
      'TURNCAT_ERR_LISTENER',
      `listener ${listener.name} has unknown protocol ${listener.protocol}`,
    );
  }
  const host = listener.public_address || (usableIp(listener.address) ? listener.address : undefined);
  if (!host) {
    throw new TurncatError(
      'TURNCAT_ERR_LISTENER',
      `listener ${listener.name} has no public address yet: the Gateway's Service has no external IP (check its status), or give the server as turn://…`,
    );
  }
  const port = listener.public_port || listener.port || 3478;
  const auth = config.auth ?? {};
  const type = (auth.type ?? 'static').toLowerCase();
  const creds = auth.credentials ?? {};
  if (type === 'none') return { transport, host, port };
  if (type === 'static' || type === 'plaintext') {
    if (creds.username === undefined || creds.password === undefined) {
      throw new TurncatError('TURNCAT_ERR_CDS', `config ${id} has static auth without username and password`);
    }
    return { transport, host, port, username: creds.username, password: creds.password };
  }
  if (type === 'ephemeral' || type === 'longterm' || type === 'timewindowed') {
    if (!creds.secret) throw new TurncatError('TURNCAT_ERR_CDS', `config ${id} has ephemeral auth without a secret`);
    // pion's GenerateLongTermCredentials: the username is just the expiry timestamp.
    const username = String(Math.floor(nowSeconds) + EPHEMERAL_TTL_SECONDS);
    return { transport, host, port, username, password: ephemeralPassword(creds.secret, username) };
  }
  throw new TurncatError('TURNCAT_ERR_CDS', `config ${id} has unknown auth type "${auth.type}"`);
}
