// The stunnerd side of the side-by-side benchmarks, as a child process of its own (so /proc and
// `--cpu-prof` see only the server): stunnerd's TURN-UDP listener with static auth and one STATIC
// cluster whose endpoint names 127.0.0.1/32, which opens loopback for the benchmark's echo peer
// (stunner-v1.md §1.10). stunnerd cannot load a config file yet and quick mode's open cluster keeps
// loopback closed, so the listener is driven programmatically, as its tests do.
//
// usage: node bench/_stunnerd-server.ts <port> <user> <password> <realm>
// Prints "stunnerd-bench ready udp <port>" once bound; exits 0 on SIGTERM/SIGINT (which also lets
// `node --cpu-prof` write its profile).
import { PeerFilter, UdpTurnListener } from '@stunner/stunnerd';

const [portText = '0', username = 'bench', password = 'benchpass', realm = 'bench.local'] = process.argv.slice(2);
const filter = new PeerFilter({ clusters: [{ name: 'bench-peer', type: 'STATIC', endpoints: ['127.0.0.1/32'] }] });
const listener = new UdpTurnListener({
  port: Number(portText),
  relayAddress: '127.0.0.1',
  auth: { type: 'static', realm, username, password },
  ipv6: false,
  admitPeer: (address, port) => filter.admit(address, port),
  // coturn 4.6's turnutils_uclient binds RFC 5766 channel numbers up to 0x7FFF.
  engine: { legacyChannelNumbers: true },
});
const [bound] = await listener.start();
process.stdout.write(`stunnerd-bench ready udp ${bound!.port}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void listener.close().then(() => process.exit(0));
  });
}
