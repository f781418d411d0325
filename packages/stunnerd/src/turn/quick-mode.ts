import { PeerFilter } from '../peer-filter/index.ts';
import { parseQuickTurnUri } from './quick-uri.ts';
import { UdpTurnListener } from './udp-turn-listener.ts';

const REALM = 'stunner.l7mp.io';

/**
 * stunnerd's quick mode (stunner-v1.md §1.4): static auth with the URI's credentials, one listener
 * `default-listener`, and the open cluster `allow-any` (0.0.0.0/0, ::/0; the hard-denied ranges stay
 * closed). Only transport=udp is served so far. Exits the process on errors and on SIGINT/SIGTERM.
 */
export async function runQuickMode(uri: string): Promise<void> {
  const parsed = parseQuickTurnUri(uri);
  if (typeof parsed === 'string') {
    process.stderr.write(`stunnerd: ${parsed}\n`);
    process.exit(2);
  }
  if (parsed.transport !== 'udp') {
    process.stderr.write(`stunnerd: transport=${parsed.transport} is not served yet; use transport=udp\n`);
    process.exit(2);
  }
  const filter = new PeerFilter({
    clusters: [{ name: 'allow-any', type: 'STATIC', endpoints: ['0.0.0.0/0', '::/0'] }],
    ownAddresses: [parsed.address],
    ownPorts: [parsed.port],
  });
  const v6 = parsed.address.includes(':');
  const listener = new UdpTurnListener({
    port: parsed.port,
    ...(v6 ? { relayAddress6: parsed.address } : { relayAddress: parsed.address }),
    auth: { type: 'static', realm: REALM, username: parsed.username, password: parsed.password },
    admitPeer: (address, port) => filter.admit(address, port),
    // RFC 5766 clients (coturn 4.6's turnutils_uclient) bind channels up to 0x7FFF.
    engine: { legacyChannelNumbers: true },
  });
  try {
    const bound = await listener.start();
    for (const b of bound) {
      process.stdout.write(`stunnerd: TURN-UDP listener default-listener on udp ${b.address} port ${b.port}\n`);
    }
    const host = v6 ? `[${parsed.address}]` : parsed.address;
    process.stdout.write(
      `stunnerd: turn:${host}:${parsed.port}?transport=udp user ${parsed.username} realm ${REALM}\n`,
    );
  } catch (err) {
    process.stderr.write(`stunnerd: cannot listen on UDP port ${parsed.port}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void listener.close().then(() => process.exit(0));
    });
  }
}
