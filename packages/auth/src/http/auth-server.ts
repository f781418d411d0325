// authd's HTTP front (stunner-v1.md §3): `GET /` and `GET /ice` answered by the pure library, with the
// extras STUNner's auth service lacks, each off unless configured: a bearer token (or `key`), CORS, a
// per-client rate limit, `/live` `/ready` probes and Prometheus `/metrics`.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StunnerConfig } from '@stunner/api';
import { type AuthEndpoint, parseAuthQuery } from '../auth-query.ts';
import { AuthError } from '../errors.ts';
import { iceConfig, turnAuthToken } from '../ice-config.ts';
import { type AuthLogger, silentLogger } from '../logger.ts';
import { answerPreflight, applyCors, type CorsOrigins } from './cors.ts';
import type { AuthMetrics } from './metrics.ts';
import { RateLimiter, type RateLimitOptions } from './rate-limiter.ts';

export interface AuthServerOptions {
  /** The configs answers are made from, read on every request. */
  configs: () => readonly StunnerConfig[];
  /** Whether the config source has synced at least once (`/ready`). Default: any config known. */
  ready?: () => boolean;
  /** `STUNNER_PUBLIC_ADDR`: host of every URI unless the request gives `public-addr`. */
  defaultPublicAddr?: string;
  /** Require `Authorization: Bearer <token>` or `key=<token>` on `/` and `/ice`. Default: open, as STUNner. */
  token?: string;
  /** Origins browsers may call from (`*` for any). Default: no CORS headers. */
  corsOrigins?: CorsOrigins;
  /** Per-client (remote IP) request rate on `/` and `/ice`. Default: unlimited. */
  rateLimit?: RateLimitOptions;
  /** Serve `/live` and `/ready`. Default false. */
  probes?: boolean;
  /** Serve these metrics at `/metrics` and count requests into them. Default: none. */
  metrics?: AuthMetrics;
  /** Clock, ms since the epoch. Default Date.now. */
  now?: () => number;
  logger?: AuthLogger;
}

type Endpoint = AuthEndpoint | 'live' | 'ready' | 'metrics' | 'other';

export class AuthServer {
  readonly #server: Server;
  readonly #options: AuthServerOptions;
  readonly #limiter: RateLimiter | undefined;
  readonly #tokenHash: Buffer | undefined;
  readonly #now: () => number;
  readonly #log: AuthLogger;

  constructor(options: AuthServerOptions) {
    this.#options = options;
    this.#limiter = options.rateLimit ? new RateLimiter(options.rateLimit) : undefined;
    this.#tokenHash = options.token ? digest(options.token) : undefined;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger ?? silentLogger;
    this.#server = createServer((req, res) => this.handle(req, res));
    // Clients sending slowly must not hold sockets for long.
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = 15_000;
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
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The request handler, usable under another server. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    let endpoint: Endpoint = 'other';
    res.on('finish', () => this.#options.metrics?.requests.inc({ endpoint, code: String(res.statusCode) }));
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://authd');
    } catch {
      text(res, 400, `malformed request target ${JSON.stringify((req.url ?? '').slice(0, 100))}`);
      return;
    }
    try {
      endpoint = classify(url.pathname, this.#options);
      this.#route(endpoint, url, req, res);
    } catch (err) {
      // Nothing a request sends may take the service down.
      this.#log.error('request failed', { error: (err as Error).message });
      if (!res.headersSent) text(res, 500, 'internal error');
      else res.destroy();
    }
  }

  #route(endpoint: Endpoint, url: URL, req: IncomingMessage, res: ServerResponse): void {
    const cors = this.#options.corsOrigins;
    if (cors && cors.length > 0) {
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
        answerPreflight(cors, req, res);
        return;
      }
      applyCors(cors, req, res);
    }
    if (endpoint === 'other') {
      text(res, 404, '404 page not found');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      text(res, 405, `method ${req.method} not allowed; use GET`);
      return;
    }
    if (endpoint === 'live') {
      text(res, 200, 'ok');
      return;
    }
    if (endpoint === 'ready') {
      const ready = this.#options.ready ? this.#options.ready() : this.#options.configs().length > 0;
      text(res, ready ? 200 : 503, ready ? 'ok' : 'not ready: no config from the config discovery service yet');
      return;
    }
    if (endpoint === 'metrics') {
      const registry = this.#options.metrics!.registry;
      this.#options.metrics!.configs.set(this.#options.configs().length);
      void registry.metrics().then(
        (body) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(body),
        () => text(res, 500, 'cannot render metrics'),
      );
      return;
    }
    this.#answer(endpoint, url, req, res);
  }

  #answer(endpoint: AuthEndpoint, url: URL, req: IncomingMessage, res: ServerResponse): void {
    if (this.#limiter) {
      const wait = this.#limiter.take(req.socket.remoteAddress ?? '', this.#now());
      if (wait > 0) {
        res.setHeader('Retry-After', String(wait));
        text(res, 429, `too many requests from ${req.socket.remoteAddress}; retry in ${wait} s`);
        return;
      }
    }
    try {
      const query = parseAuthQuery(url.searchParams, endpoint);
      if (this.#tokenHash && !this.#authorized(req, query.key)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="authd"');
        throw new AuthError(
          'AUTH_ERR_UNAUTHORIZED',
          401,
          'missing or wrong token: send "Authorization: Bearer <token>" or key=<token>',
        );
      }
      const options = {
        ...query,
        ...(this.#options.defaultPublicAddr ? { defaultPublicAddr: this.#options.defaultPublicAddr } : {}),
        now: Math.floor(this.#now() / 1000),
      };
      const configs = this.#options.configs();
      const body = endpoint === 'ice' ? iceConfig(configs, options) : turnAuthToken(configs, options);
      this.#log.debug(`${endpoint === 'ice' ? 'GET /ice' : 'GET /'} answered`, {
        username: query.username,
        namespace: query.namespace,
        gateway: query.gateway,
        listener: query.listener,
        status: 200,
        client: req.socket.remoteAddress,
      });
      json(res, body);
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      const message = describe(endpoint, err);
      const fields = { code: err.code, status: err.status, client: req.socket.remoteAddress };
      if (err.status >= 500) this.#log.error(message, fields);
      else this.#log.info(message, fields);
      text(res, err.status, message);
    }
  }

  #authorized(req: IncomingMessage, key: string | undefined): boolean {
    const header = req.headers.authorization;
    const bearer = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    for (const candidate of [bearer, key]) {
      if (candidate !== undefined && timingSafeEqual(digest(candidate), this.#tokenHash!)) return true;
    }
    return false;
  }
}

function classify(path: string, o: AuthServerOptions): Endpoint {
  if (path === '/') return 'turn';
  if (path === '/ice') return 'ice';
  if (o.probes && (path === '/live' || path === '/ready')) return path.slice(1) as 'live' | 'ready';
  if (o.metrics && path === '/metrics') return 'metrics';
  return 'other';
}

/** STUNner's error texts, with the reason after the colon. */
function describe(endpoint: AuthEndpoint, err: AuthError): string {
  if (err.code === 'AUTH_ERR_NO_CONFIG' || err.code === 'AUTH_ERR_UNAUTHORIZED') return err.message;
  const what = endpoint === 'ice' ? 'ICE' : 'TURN auth token';
  if (err.code === 'AUTH_ERR_NO_LISTENER')
    return `could not generate ${endpoint === 'ice' ? 'ICE config' : what}: ${err.message}`;
  return `could not generate ${endpoint === 'ice' ? 'ICE auth token' : what}: ${err.message}`;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function json(res: ServerResponse, body: unknown): void {
  // Go's json.Encoder ends the document with a newline; keep the bytes alike.
  const data = `${JSON.stringify(body)}\n`;
  res.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

/** Plain-text answer as Go's http.Error writes it. */
function text(res: ServerResponse, status: number, message: string): void {
  const data = `${message}\n`;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(data),
  });
  res.end(data);
}
