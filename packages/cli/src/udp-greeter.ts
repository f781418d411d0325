// A UDP greeter like the one in the STUNner README's examples: it answers every datagram with
// "Greetings from STUNner!". Usage: npm run udp-greeter -- [--address <ip>] [--port <port>]
import { createSocket, type Socket } from 'node:dgram';
import { parseArgs } from 'node:util';

export const GREETING = 'Greetings from STUNner!\n';

/** Binds the greeter; resolves with the socket once it listens. */
export async function startUdpGreeter(address = '0.0.0.0', port = 9001): Promise<Socket> {
  const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', (_msg, from) => socket.send(GREETING, from.port, from.address));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { address: { type: 'string', short: 'a' }, port: { type: 'string', short: 'p' } },
  });
  const port = Number(values.port ?? 9001);
  const socket = await startUdpGreeter(values.address ?? '0.0.0.0', port);
  const bound = socket.address();
  process.stdout.write(`udp-greeter listening on ${bound.address}:${bound.port}\n`);
  const stop = (): void => {
    socket.close(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
