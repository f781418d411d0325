// `npm start` / `npm run stunnerd`: a STUN Binding server, or with the positional quick-mode URI
// `turn://user:pass@addr:port?transport=udp` a TURN-UDP server (stunner-v1.md §1.4).
import { parseArgs } from 'node:util';
import { BindingServer } from './binding-server.ts';
import { runQuickMode } from './turn/quick-mode.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', short: 'p', default: '3478' },
    address: { type: 'string', short: 'a', multiple: true },
  },
});
if (positionals.length > 0) {
  await runQuickMode(positionals[0]!);
} else {
  await runBindingServer();
}

async function runBindingServer(): Promise<void> {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`stunnerd: --port ${values.port} is not a UDP port (0–65535)\n`);
    process.exit(2);
  }

  const server = new BindingServer();
  try {
    const bound = await server.start({ port, ...(values.address ? { addresses: values.address } : {}) });
    for (const b of bound)
      process.stdout.write(`stunnerd: STUN Binding server listening on udp ${b.address} port ${b.port}\n`);
  } catch (err) {
    process.stderr.write(`stunnerd: cannot listen on UDP port ${port}: ${(err as Error).message}\n`);
    process.exit(1);
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void server.close().then(() => process.exit(0));
    });
  }
}
