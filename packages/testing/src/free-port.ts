import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * A port that is free on `host` for both UDP and TCP at the time of the call. The OS picks it, so
 * parallel test files do not collide; it is released before returning, so a rare race remains.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, host, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (await udpFree(host, port)) return port;
  }
  throw new Error(`no port free for both TCP and UDP on ${host}`);
}

function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}
