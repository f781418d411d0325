// The dashboard's HTTP side: the page and its assets (from this package and from npm packages, never
// a CDN), `/api/state` once, and `/api/events`, a server-sent event stream of the state every sample
// interval, the chart history on connect, and log lines as they come. It only reads: GET and HEAD.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost } from './bind-address.ts';
import type { DashboardSource, DashboardState } from './dashboard-state.ts';
import { DashboardError } from './errors.ts';
import type { LogBuffer } from './log-buffer.ts';
import { RateHistory } from './rate-history.ts';
import { readAsset } from './static-assets.ts';

export interface DashboardOptions {
  source: DashboardSource;
  /** Default 127.0.0.1. Any other address needs `token`. */
  address?: string;
  /** Default 8090; 0 lets the OS pick. */
  port?: number;
  /** Required on `/api/*` (`?token=` or `Authorization: Bearer`) when set; required off loopback. */
  token?: string;
  /** Recent log lines to show. */
  logs?: LogBuffer;
  /** How often the source is sampled, ms. Default 1000. */
  intervalMs?: number;
}

const KEEPALIVE_MS = 15_000;

export class DashboardServer {
  readonly #options: DashboardOptions;
  readonly #server: Server;
  readonly #history = new RateHistory();
  readonly #clients = new Set<ServerResponse>();
  readonly #startedAt = Date.now();
  readonly #tokenBuf: Buffer | undefined;
  #state: DashboardState | undefined;
  #timer: NodeJS.Timeout | undefined;
  #keepalive: NodeJS.Timeout | undefined;
  #sampling = false;
  #url = '';
  readonly #onLog = (line: string): void => this.#broadcast('log', line);

  constructor(options: DashboardOptions) {
    const address = options.address ?? '127.0.0.1';
    if (!isLoopbackHost(address) && !options.token) {
      throw new DashboardError(
        'DASHBOARD_ERR_TOKEN_REQUIRED',
        `the dashboard binds ${address}, off loopback: give it a token (--dashboard-token) or bind 127.0.0.1`,
      );
    }
    this.#options = options;
    this.#tokenBuf = options.token ? Buffer.from(options.token) : undefined;
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  /** The page's URL (with the token, when one is set). */
  get url(): string {
    return this.#url;
  }

  async listen(): Promise<AddressInfo> {
    const host = this.#options.address ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port ?? 8090, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const addr = this.#server.address() as AddressInfo;
    const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const token = this.#options.token ? `?token=${encodeURIComponent(this.#options.token)}` : '';
    this.#url = `http://${h}:${addr.port}/${token}`;
    await this.#tick();
    this.#timer = setInterval(() => void this.#tick(), this.#options.intervalMs ?? 1000);
    this.#keepalive = setInterval(() => {
      for (const c of this.#clients) c.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.#options.logs?.on('line', this.#onLog);
    return addr;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#keepalive);
    this.#options.logs?.off('line', this.#onLog);
    for (const c of this.#clients) c.end();
    this.#clients.clear();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #tick(): Promise<void> {
    if (this.#sampling) return;
    this.#sampling = true;
    try {
      const sample = await this.#options.source.sample();
      const rates = this.#history.add(sample);
      const { source } = this.#options;
      this.#state = {
        ...sample,
        title: source.title,
        ...(source.ice ? { ice: source.ice } : {}),
        startedAt: this.#startedAt,
        rates,
      };
      this.#broadcast('state', this.#state);
    } catch (err) {
      this.#broadcast('problem', `cannot sample: ${(err as Error).message}`);
    } finally {
      this.#sampling = false;
    }
  }

  #broadcast(event: string, data: unknown): void {
    if (this.#clients.size === 0) return;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.#clients) c.write(frame);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('the dashboard only reads\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (url.pathname.startsWith('/api/')) {
      if (!this.#authorized(req, url)) {
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('missing or wrong token: add ?token=<token>\n');
        return;
      }
      if (url.pathname === '/api/state') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify({ state: this.#state, history: this.#history.points, logs: this.#options.logs?.lines }));
        return;
      }
      if (url.pathname === '/api/events') {
        this.#subscribe(res);
        return;
      }
    }
    let asset: ReturnType<typeof readAsset>;
    try {
      asset = readAsset(url.pathname);
    } catch (err) {
      // A program bundled without the page's files must answer, not die.
      res
        .writeHead(500, { 'Content-Type': 'text/plain' })
        .end(`the dashboard's page files cannot be read: ${(err as Error).message}\n`);
      return;
    }
    if (!asset) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': asset.type,
      'Cache-Control': 'no-cache',
      'Content-Security-Policy':
        "default-src 'self'; connect-src 'self' http://127.0.0.1:* http://localhost:*; img-src 'self' data:; style-src 'self'; script-src 'self'",
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }

  #subscribe(res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    res.write(`event: history\ndata: ${JSON.stringify(this.#history.points)}\n\n`);
    res.write(`event: logs\ndata: ${JSON.stringify(this.#options.logs?.lines ?? [])}\n\n`);
    if (this.#state) res.write(`event: state\ndata: ${JSON.stringify(this.#state)}\n\n`);
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
  }

  #authorized(req: IncomingMessage, url: URL): boolean {
    if (!this.#tokenBuf) return true;
    const bearer = req.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    for (const candidate of [bearer, url.searchParams.get('token') ?? undefined]) {
      if (candidate === undefined) continue;
      const b = Buffer.from(candidate);
      if (b.length === this.#tokenBuf.length && timingSafeEqual(b, this.#tokenBuf)) return true;
    }
    return false;
  }
}

/** Starts a dashboard (for `stunnerctl dashboard` and local mode); resolves once it listens. */
export async function startDashboard(options: DashboardOptions): Promise<DashboardServer> {
  const server = new DashboardServer(options);
  await server.listen();
  return server;
}
