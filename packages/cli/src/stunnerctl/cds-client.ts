// A client of the config discovery service (stunner-v1.md §1.6): GET of one, a namespace's or all
// configs, the license status, and the WebSocket watch with STUNner's keepalive (ping every 5 s, read
// deadline 8 s extended by any message) and reconnect (every 1 s) behaviour.
import type { Logger } from '@stunner/log';
import WebSocket from 'ws';
import { causeMessage, StunnerctlError } from './errors.ts';
import type { ConfigView, LicenseView } from './summary.ts';

export interface ConfigSelector {
  /** Undefined: every namespace. */
  namespace?: string;
  /** Needs `namespace`. */
  name?: string;
  /** `?node=`: the config as a stunnerd on that node gets it (relay address patch). */
  node?: string;
}

export const CDS_PING_MS = 5000;
export const CDS_READ_DEADLINE_MS = 8000;
export const CDS_RECONNECT_MS = 1000;

function path(sel: ConfigSelector): string {
  let p = '/api/v1/configs';
  if (sel.namespace !== undefined) p += `/${encodeURIComponent(sel.namespace)}`;
  if (sel.namespace !== undefined && sel.name !== undefined) p += `/${encodeURIComponent(sel.name)}`;
  return p;
}

function query(sel: ConfigSelector, watch: boolean): string {
  const q = new URLSearchParams();
  if (watch) q.set('watch', 'true');
  if (sel.node && sel.name !== undefined) q.set('node', sel.node);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function describe(sel: ConfigSelector): string {
  if (sel.namespace === undefined) return 'all namespaces';
  return sel.name === undefined ? `namespace ${sel.namespace}` : `gateway ${sel.namespace}/${sel.name}`;
}

async function getJson(url: string, what: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (cause) {
    throw new StunnerctlError(
      'STUNNERCTL_ERR_CDS',
      `cannot reach the config discovery service at ${new URL(url).host} (${causeMessage(cause)}): check --cds-server-address, or the operator pod when discovering through Kubernetes`,
      { cause },
    );
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch (cause) {
    throw new StunnerctlError('STUNNERCTL_ERR_CDS', `the CDS answered ${what} with ${res.status} and no JSON`, {
      cause,
    });
  }
}

export class CdsClient {
  readonly #base: string;
  readonly #timeoutMs: number;

  /** `base`: `http://host:port`. */
  constructor(base: string, timeoutMs = 5000) {
    this.#base = base;
    this.#timeoutMs = timeoutMs;
  }

  get base(): string {
    return this.#base;
  }

  async getConfigs(sel: ConfigSelector): Promise<ConfigView[]> {
    const url = `${this.#base}${path(sel)}${query(sel, false)}`;
    const { status, body } = await getJson(url, describe(sel), this.#timeoutMs);
    if (status === 404 && sel.name !== undefined) {
      throw new StunnerctlError(
        'STUNNERCTL_ERR_NOT_FOUND',
        `no config for gateway ${sel.namespace}/${sel.name} at the CDS: check the Gateway name and -n (\`stunnerctl config -n ${sel.namespace}\` lists the namespace's gateways)`,
      );
    }
    if (status !== 200) {
      const message = (body as { message?: string }).message ?? '';
      throw new StunnerctlError('STUNNERCTL_ERR_CDS', `the CDS answered ${status} for ${describe(sel)}: ${message}`);
    }
    if (sel.name !== undefined) return [body as ConfigView];
    const items = (body as { items?: ConfigView[] | null }).items;
    if (!Array.isArray(items) && items !== null) {
      throw new StunnerctlError('STUNNERCTL_ERR_CDS', `the CDS sent no config list for ${describe(sel)}`);
    }
    return items ?? [];
  }

  async license(): Promise<LicenseView> {
    const url = `${this.#base}/api/v1/license`;
    const { status, body } = await getJson(url, 'the license query', this.#timeoutMs);
    if (status !== 200) throw new StunnerctlError('STUNNERCTL_ERR_CDS', `the CDS answered ${status} for ${url}`);
    return body as LicenseView;
  }

  /**
   * Follows the selected configs until `signal` aborts: `onConfig` gets the current ones, then each
   * change (a deleted Gateway as a config without listeners and clusters). Rejects if the first
   * connection fails; later failures reconnect every second.
   */
  watch(sel: ConfigSelector, onConfig: (c: ConfigView) => void, signal: AbortSignal, log: Logger): Promise<void> {
    const url = `${this.#base.replace(/^http/, 'ws')}${path(sel)}${query(sel, true)}`;
    return new Promise<void>((resolve, reject) => {
      let connected = false;
      let ws: WebSocket | undefined;
      // One of each per connection: the read deadline, the keepalive ping, the reconnect.
      let deadline: NodeJS.Timeout | undefined;
      let ping: NodeJS.Timeout | undefined;
      let retry: NodeJS.Timeout | undefined;
      const clear = () => {
        clearTimeout(deadline);
        clearInterval(ping);
        clearTimeout(retry);
      };
      const stop = () => {
        clear();
        ws?.terminate();
        resolve();
      };
      signal.addEventListener('abort', stop, { once: true });
      const connect = () => {
        if (signal.aborted) return;
        const socket = new WebSocket(url, { headers: { Origin: this.#base } });
        ws = socket;
        const extend = () => {
          clearTimeout(deadline);
          deadline = setTimeout(() => socket.terminate(), CDS_READ_DEADLINE_MS);
        };
        socket.on('open', () => {
          connected = true;
          log.info('connected', { url });
          extend();
          ping = setInterval(() => socket.ping('keepalive'), CDS_PING_MS);
        });
        socket.on('pong', extend);
        socket.on('message', (data) => {
          extend();
          let config: ConfigView;
          try {
            config = JSON.parse(data.toString()) as ConfigView;
          } catch {
            log.warn('ignoring a message that is not JSON');
            return;
          }
          if (config?.version !== 'v1') {
            log.warn('ignoring a message that is no stunnerd v1 config');
            return;
          }
          onConfig(config);
        });
        socket.on('error', (err) => {
          if (!connected) {
            signal.removeEventListener('abort', stop);
            clear();
            reject(
              new StunnerctlError(
                'STUNNERCTL_ERR_CDS',
                `cannot watch ${describe(sel)} at the config discovery service ${url} (${causeMessage(err)}): check --cds-server-address`,
                { cause: err },
              ),
            );
            return;
          }
          log.warn('watch failed', { error: causeMessage(err) });
        });
        socket.on('close', () => {
          clear();
          if (!connected || signal.aborted) return;
          log.warn('watch closed, reconnecting', { inMs: CDS_RECONNECT_MS });
          retry = setTimeout(connect, CDS_RECONNECT_MS);
        });
      };
      connect();
    });
  }
}
