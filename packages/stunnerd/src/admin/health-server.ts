import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpEndpoint } from './endpoint-url.ts';
import { closeHttp, listenHttp } from './http-listen.ts';

/** What the health server asks the daemon. */
export interface HealthSource {
  /** Ready to receive traffic: a config is applied and the daemon is not terminating. */
  isReady(): boolean;
  /** The `/status` document, already stripped of secrets. */
  status(): unknown | Promise<unknown>;
}

export interface HealthServerOptions {
  /** `/ready` answers 200 whatever the state (stunnerd `--force-ready-status`). Default false. */
  forceReady?: boolean;
}

function reply(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The health-check server (stunner-v1.md §1.11): `/live`, `/ready` and `/status`. Kubernetes probes
 * `/ready`, so it answers 503 until a config is applied and again once shutdown begins.
 */
export class HealthServer {
  readonly #server: Server;
  readonly #source: HealthSource;
  readonly #forceReady: boolean;

  constructor(source: HealthSource, options: HealthServerOptions = {}) {
    this.#source = source;
    this.#forceReady = options.forceReady ?? false;
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  listen(endpoint: HttpEndpoint): Promise<AddressInfo> {
    return listenHttp(this.#server, endpoint);
  }

  close(): Promise<void> {
    return closeHttp(this.#server);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    this.#answer(req).then(
      ([code, body]) => reply(res, code, body),
      (err: Error) => reply(res, 500, { status: 500, message: err.message }),
    );
  }

  async #answer(req: IncomingMessage): Promise<[number, unknown]> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return [405, { status: 405, message: 'use GET' }];
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/live':
        return [200, {}];
      case '/ready':
        return this.#forceReady || this.#source.isReady()
          ? [200, { status: 200, message: 'READY' }]
          : [503, { status: 503, message: 'stunnerd not ready' }];
      case '/status':
        return [200, await this.#source.status()];
      default:
        return [404, { status: 404, message: `no such path ${path}; use /live, /ready or /status` }];
    }
  }
}
