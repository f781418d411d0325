import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StunnerdError } from '../errors.ts';
import type { HttpEndpoint } from './endpoint-url.ts';

/** Binds an admin HTTP server; rejects naming the endpoint and the bind error (e.g. EADDRINUSE) instead of crashing. */
export async function listenHttp(server: Server, endpoint: HttpEndpoint): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) =>
      reject(
        new StunnerdError(
          'STUNNERD_ERR_ADMIN_LISTEN',
          `${err.message}; free ${endpoint.host}:${endpoint.port} or move the endpoint (admin.healthcheck_endpoint, admin.metrics_endpoint)`,
          { cause: err },
        ),
      );
    server.once('error', fail);
    server.listen(endpoint.port, endpoint.host, () => {
      server.off('error', fail);
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
