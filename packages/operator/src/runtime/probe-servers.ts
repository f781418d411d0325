// The operator's metrics (/metrics) and probe (/healthz, /readyz) HTTP servers (§2.1, §2.10).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ProbeServers {
  metricsAddress: AddressInfo | undefined;
  healthAddress: AddressInfo | undefined;
  close(): Promise<void>;
}

function listen(server: Server, hp: { host: string; port: number }): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(hp.port, hp.host === '' ? undefined : hp.host, () => resolve(server.address() as AddressInfo));
  });
}

export async function startProbeServers(o: {
  metrics: { host: string; port: number } | undefined;
  health: { host: string; port: number } | undefined;
  registry: Registry;
  ready: () => boolean;
}): Promise<ProbeServers> {
  const servers: Server[] = [];
  let metricsAddress: AddressInfo | undefined;
  let healthAddress: AddressInfo | undefined;
  if (o.metrics) {
    const s = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      o.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': o.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
    servers.push(s);
    metricsAddress = await listen(s, o.metrics);
  }
  if (o.health) {
    const s = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/healthz') res.writeHead(200).end('ok');
      else if (path === '/readyz') o.ready() ? res.writeHead(200).end('ok') : res.writeHead(503).end('not ready');
      else res.writeHead(404).end();
    });
    servers.push(s);
    healthAddress = await listen(s, o.health);
  }
  return {
    metricsAddress,
    healthAddress,
    async close() {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  };
}
