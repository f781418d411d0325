import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { HttpEndpoint } from './endpoint-url.ts';
import { closeHttp, listenHttp } from './http-listen.ts';

/** Serves a registry in the Prometheus text format at the endpoint's path (stunner-v1.md §1.12). */
export class MetricsServer {
  readonly #server: Server;

  constructor(registry: Registry, path: string) {
    this.#server = createServer((req, res) => {
      if ((req.url ?? '/').split('?')[0] !== path) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`metrics are at ${path}\n`);
        return;
      }
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType }).end(text);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot collect metrics: ${err.message}\n`);
        },
      );
    });
  }

  listen(endpoint: HttpEndpoint): Promise<AddressInfo> {
    return listenHttp(this.#server, endpoint);
  }

  close(): Promise<void> {
    return closeHttp(this.#server);
  }
}
