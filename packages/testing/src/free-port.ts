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

async function tcpPortFree(port: number): Promise<boolean> {
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (ok) await new Promise((resolve) => server.close(resolve));
  return ok;
}

/**
 * Two consecutive free UDP ports on loopback: turnutils_peer listens on port and port+1 (RTCP); with
 * `tcp`, both are free for TCP too (coturn listens on TCP at the same ports).
 */
export async function freeUdpPortPair(options: { tcp?: boolean } = {}): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const a = createSocket('udp4');
    await new Promise<void>((resolve) => a.bind(0, '127.0.0.1', resolve));
    const port = a.address().port;
    const b = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      b.once('error', () => resolve(false));
      b.bind(port + 1, '127.0.0.1', () => resolve(true));
    });
    a.close();
    b.close();
    if (!ok || port >= 65534) continue;
    if (options.tcp && !((await tcpPortFree(port)) && (await tcpPortFree(port + 1)))) continue;
    return port;
  }
  throw new Error('no free UDP port pair on 127.0.0.1');
}
