import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { HttpEndpoint } from './endpoint-url.ts';

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

  async listen(endpoint: HttpEndpoint): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(endpoint.port, endpoint.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
