// The config discovery server (reference/stunner-v1.md §1.6): serves the rendered stunnerd configs over
// HTTP and pushes every changed config, whole, as one WebSocket text frame to watchers. Renders hand it the
// state of the world; it never waits for a client, and drops one whose send buffer keeps growing. Bodies and
// frames are the bytes STUNner's Go server writes for the same configs (go-json.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type StunnerConfig, zeroConfig } from '@stunner/api';
import { WebSocket, WebSocketServer } from 'ws';
import { encodeConfig, encodeConfigList, encodeError, encodeJson, marshalConfig } from './go-json.ts';
import { patchNodeAddress } from './node-address-patch.ts';

export interface CdsServerOptions {
  /** Address of a node by node name, for `?node=` patching. */
  nodeAddress?: (node: string) => string | undefined;
  /** A watcher with more than this many bytes unsent is disconnected (it reconnects and resyncs). */
  maxBufferedBytes?: number;
  /**
   * Bearer token every request and watch must carry (`Authorization: Bearer <token>`); others get 401
   * and no config. Default none: STUNner's CDS is unauthenticated and its clients send no token.
   */
  token?: string;
}

interface Watcher {
  socket: WebSocket;
  namespace?: string;
  name?: string;
  node?: string;
}

const LICENSE = { enabledFeatures: [], subscriptionType: 'free', lastUpdated: 'N/A', lastError: '' };

export class CdsServer {
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #watchers = new Set<Watcher>();
  readonly #options: CdsServerOptions;
  /** id (`<ns>/<name>`) → config and its JSON text. */
  #configs = new Map<string, { config: StunnerConfig; text: string }>();

  constructor(options: CdsServerOptions = {}) {
    this.#options = options;
    this.#server = createServer((req, res) => this.#onRequest(req, res));
    this.#server.on('upgrade', (req, socket, head) => this.#onUpgrade(req, socket, head));
  }

  listen(port: number, host?: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    for (const w of this.#watchers) w.socket.terminate();
    this.#watchers.clear();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  get watcherCount(): number {
    return this.#watchers.size;
  }

  configs(): StunnerConfig[] {
    return [...this.#configs.values()].map((c) => c.config);
  }

  /** Replaces the served configs with a render's; pushes changed ones, and zero configs for removed ones. */
  update(configs: readonly StunnerConfig[]): void {
    const next = new Map<string, { config: StunnerConfig; text: string }>();
    for (const config of configs) next.set(config.admin.name, { config, text: marshalConfig(config) });
    const changed: StunnerConfig[] = [];
    for (const [id, c] of next) if (this.#configs.get(id)?.text !== c.text) changed.push(c.config);
    for (const id of this.#configs.keys()) if (!next.has(id)) changed.push(zeroConfig(id));
    this.#configs = next;
    for (const config of changed) {
      for (const w of this.#watchers) if (matches(w, config.admin.name)) this.#send(w, config);
    }
  }

  #send(w: Watcher, config: StunnerConfig): void {
    if (w.socket.readyState !== WebSocket.OPEN) return;
    if (w.socket.bufferedAmount > (this.#options.maxBufferedBytes ?? 4 * 1024 * 1024)) {
      w.socket.terminate();
      return;
    }
    const patched = w.node ? patchNodeAddress(config, this.#options.nodeAddress?.(w.node)) : config;
    w.socket.send(
      patched === config
        ? (this.#configs.get(config.admin.name)?.text ?? marshalConfig(config))
        : marshalConfig(patched),
    );
  }

  #select(namespace?: string, name?: string): StunnerConfig[] {
    const out: StunnerConfig[] = [];
    for (const [id, c] of this.#configs) if (matches({ namespace, name }, id)) out.push(c.config);
    return out;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (!this.#authorized(req)) {
      const text = encodeError(401, 'a bearer token is required');
      res.writeHead(401, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
        'WWW-Authenticate': 'Bearer realm="stunner-cds"',
      });
      res.end(text);
      return;
    }
    const { status, text } = this.#answer(req);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** Constant-time check of the bearer token (digests first, so lengths leak nothing either). */
  #authorized(req: IncomingMessage): boolean {
    const token = this.#options.token;
    if (token === undefined) return true;
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const digest = (s: string) => createHash('sha256').update(s).digest();
    return timingSafeEqual(digest(m[1]!), digest(token));
  }

  #answer(req: IncomingMessage): { status: number; text: string } {
    const url = new URL(req.url ?? '/', 'http://cds');
    const route = parseRoute(url.pathname);
    const error = (status: number, message: string) => ({ status, text: encodeError(status, message) });
    if (req.method !== 'GET') return error(405, `method ${req.method} not allowed`);
    if (route === 'license') return { status: 200, text: encodeJson(LICENSE) };
    if (!route) return error(404, `no such path ${url.pathname}`);
    if (url.searchParams.get('watch') === 'true') return error(400, 'watch=true needs a WebSocket upgrade');
    const node = url.searchParams.get('node') ?? undefined;
    const patch = (c: StunnerConfig) => (node ? patchNodeAddress(c, this.#options.nodeAddress?.(node)) : c);
    if (route.name !== undefined) {
      const c = this.#configs.get(`${route.namespace}/${route.name}`);
      // STUNner's body as reference/stunner-v1.md §1.6 gives it (some STUNner versions quote the id).
      if (!c) return error(404, `Config not found for ID ${route.namespace}/${route.name}`);
      return { status: 200, text: encodeConfig(patch(c.config)) };
    }
    return { status: 200, text: encodeConfigList(this.#select(route.namespace).map(patch)) };
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.#authorized(req)) {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="stunner-cds"\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    const url = new URL(req.url ?? '/', 'http://cds');
    const route = parseRoute(url.pathname);
    if (!route || route === 'license' || url.searchParams.get('watch') !== 'true') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const node = url.searchParams.get('node') ?? undefined;
      const w: Watcher = {
        socket: ws,
        ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
        ...(route.name !== undefined ? { name: route.name } : {}),
        ...(node ? { node } : {}),
      };
      this.#watchers.add(w);
      // Clients only ping (ws answers with a pong echoing the payload) and send nothing we read.
      ws.on('close', () => this.#watchers.delete(w));
      ws.on('error', () => ws.terminate());
      for (const c of this.#select(w.namespace, w.name)) this.#send(w, c);
    });
  }
}

function matches(w: { namespace?: string | undefined; name?: string | undefined }, id: string): boolean {
  if (w.namespace === undefined) return true;
  const slash = id.indexOf('/');
  const ns = id.slice(0, slash);
  const name = id.slice(slash + 1);
  return ns === w.namespace && (w.name === undefined || name === w.name);
}

function parseRoute(pathname: string): { namespace?: string; name?: string } | 'license' | undefined {
  if (pathname === '/api/v1/license') return 'license';
  const m = /^\/api\/v1\/configs(?:\/([^/]+)(?:\/([^/]+))?)?\/?$/.exec(pathname);
  if (!m) return undefined;
  return {
    ...(m[1] !== undefined ? { namespace: decodeURIComponent(m[1]) } : {}),
    ...(m[2] !== undefined ? { name: decodeURIComponent(m[2]) } : {}),
  };
}
