// The stunnerd side of the side-by-side benchmarks, as a child process of its own (so /proc and
// `--cpu-prof` see only the server): the stunnerd daemon with one TURN-UDP listener, static auth and
// a STATIC cluster whose endpoint names 127.0.0.1/32, which opens loopback for the benchmark's echo
// peer (stunner-v1.md §1.10). `threads` > 0 serves the listener from that many worker threads
// (`--udp-thread-num`).
//
// usage: node bench/_stunnerd-server.ts <port> <user> <password> <realm> [threads]
// Prints "stunnerd-bench ready udp <port>" once bound; exits 0 on SIGTERM/SIGINT (which also lets
// `node --cpu-prof` write its profile).
import { validateStunnerConfig } from '@stunner/api';
import { LoggerFactory, Stunnerd } from '@stunner/stunnerd';

const [portText = '0', username = 'bench', password = 'benchpass', realm = 'bench.local', threads = '0'] =
  process.argv.slice(2);
const daemon = new Stunnerd({
  logger: new LoggerFactory({ spec: 'all:ERROR', write: (l) => process.stderr.write(l) }),
  ipv6: false,
  udpThreads: Number(threads),
});
await daemon.apply(
  validateStunnerConfig({
    version: 'v1',
    admin: { name: 'bench/stunnerd', healthcheck_endpoint: '' },
    auth: { type: 'static', realm, credentials: { username, password } },
    listeners: [
      { name: 'bench/udp', protocol: 'TURN-UDP', address: '127.0.0.1', port: Number(portText), routes: ['bench/peer'] },
    ],
    clusters: [{ name: 'bench/peer', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
  }),
);
process.stdout.write(`stunnerd-bench ready udp ${portText}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void daemon.close().then(() => process.exit(0));
  });
}
