import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpEndpoint } from './endpoint-url.ts';

/** Binds an admin HTTP server; rejects with the bind error (e.g. EADDRINUSE) instead of crashing. */
export async function listenHttp(server: Server, endpoint: HttpEndpoint): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(endpoint.port, endpoint.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** Closes an admin HTTP server, dropping keep-alive connections so it does not linger. */
export async function closeHttp(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
