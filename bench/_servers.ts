// Servers under test and the echo peer for the side-by-side benchmarks (turn.md §4.2, §4.6):
// coturn's `turnserver` and stunnerd, both on 127.0.0.1 with the same realm and credentials, and
// coturn's `turnutils_peer`. Every process started here is stopped by the PID we got from spawn.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeUdpPortPair } from '@stunner/testing';
import { coturnArgs } from './_coturn-args.ts';
import { type Spawned, spawnUntil } from './_proc.ts';

export const REALM = 'bench.local';
export const USER = 'bench';
export const PASS = 'benchpass';

/**
 * stunnerd as its defaults start it (`stunnerd`), on the portable dgram path (`--io dgram`), on the
 * batched path (`--io batch`) on one thread or with `--udp-thread-num=2`; or coturn.
 */
export type ServerName = 'stunnerd' | 'stunnerd-dgram' | 'stunnerd-batch' | 'stunnerd-batch-2t' | 'coturn';
export const SERVER_NAMES: readonly ServerName[] = [
  'stunnerd',
  'stunnerd-dgram',
  'stunnerd-batch',
  'stunnerd-batch-2t',
  'coturn',
];

/** How each stunnerd flavour is started: UDP I/O path (undefined: the default) and worker threads. */
const STUNNERD_FLAVOURS: Record<Exclude<ServerName, 'coturn'>, { io: string | undefined; threads: number }> = {
  stunnerd: { io: undefined, threads: 0 },
  'stunnerd-dgram': { io: 'dgram', threads: 0 },
  'stunnerd-batch': { io: 'batch', threads: 0 },
  'stunnerd-batch-2t': { io: 'batch', threads: 2 },
};

export interface ServerUnderTest {
  readonly name: ServerName;
  readonly port: number;
  readonly proc: Spawned;
  /** Where `--cpu-prof` writes (stunnerd with `profile`), else undefined. */
  readonly profileDir: string | undefined;
}

export interface StartOptions {
  /** stunnerd only: run under `node --cpu-prof`, profile written to `profileDir` on stop. */
  profile?: boolean;
  /** stunnerd only: run with `--perf-basic-prof`, so `perf` can name JIT frames (/tmp/perf-<pid>.map). */
  perfMap?: boolean;
}

const here = fileURLToPath(new URL('.', import.meta.url));

/** coturn 4.6 as in turn.md §4.2: loopback only, long-term creds, loopback peers allowed, no TLS. */
async function startCoturnOnce(): Promise<ServerUnderTest> {
  const port = await freeUdpPortPair({ tcp: true });
  const dir = mkdtempSync(join(tmpdir(), 'bench-coturn-'));
  const proc = await spawnUntil(
    'turnserver',
    coturnArgs({
      listeningIp: '127.0.0.1',
      relayIp: '127.0.0.1',
      port,
      altPort: port + 1,
      // 20,000 relay ports: the soak's long run holds 10,000 allocations (stunnerd takes any free port).
      minPort: 40000,
      maxPort: 59999,
      user: USER,
      pass: PASS,
      realm: REALM,
      loopbackPeers: true,
      dir,
    }),
    // coturn logs its relay threads' start; the listeners are bound by then.
    /Total General servers/,
    15_000,
  );
  // Let all of coturn's relay threads come up before the first client; a listener it cannot bind
  // (a port taken meanwhile by someone else) makes it exit in that time.
  await new Promise((r) => setTimeout(r, 500));
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`turnserver exited after start:\n${proc.output().slice(-500)}`);
  }
  // Its pid file and user database go with it.
  const stop = proc.stop;
  const cleaned: Spawned = {
    ...proc,
    stop: async (graceMs) => {
      await stop(graceMs);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return { name: 'coturn', port, proc: cleaned, profileDir: undefined };
}

/** Starts coturn, on other ports up to twice more when it cannot bind its listeners. */
async function startCoturn(): Promise<ServerUnderTest> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCoturnOnce();
    } catch (err) {
      if (attempt >= 3) throw err;
      process.stderr.write(`bench: ${(err as Error).message.split('\n')[0]}; retrying on other ports\n`);
    }
  }
}

/** Whether UDP `port` binds on the wildcard of `type` (stunnerd's listener binds 0.0.0.0 and ::). */
function bindsWildcard(type: 'udp4' | 'udp6', port: number): Promise<boolean> {
  const s = createSocket({ type, ipv6Only: type === 'udp6' });
  return new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, type === 'udp4' ? '0.0.0.0' : '::', () => resolve(true));
  }).finally(() => s.close());
}

/** A port pair free on 127.0.0.1 whose first port is also free on both wildcards. */
async function freeListenerPort(): Promise<number> {
  for (let i = 0; ; i++) {
    const port = await freeUdpPortPair();
    if (i >= 20 || ((await bindsWildcard('udp4', port)) && (await bindsWildcard('udp6', port)))) return port;
  }
}

/** stunnerd's TURN-UDP listener in its own Node process (see `_stunnerd-server.ts`). */
async function startStunnerd(name: Exclude<ServerName, 'coturn'>, options: StartOptions): Promise<ServerUnderTest> {
  const { io, threads } = STUNNERD_FLAVOURS[name];
  const port = await freeListenerPort();
  const profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'bench-stunnerd-prof-')) : undefined;
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  if (options.perfMap) nodeArgs.push('--perf-basic-prof');
  // --perf-basic-prof also writes an isolate-*.log into the working directory: a temporary one.
  const cwd = mkdtempSync(join(tmpdir(), 'bench-stunnerd-'));
  const started = await spawnUntil(
    process.execPath,
    [
      ...nodeArgs,
      join(here, '_stunnerd-server.ts'),
      String(port),
      USER,
      PASS,
      REALM,
      String(threads),
      ...(io ? [io] : []),
    ],
    /stunnerd-bench ready udp \d+/,
    15_000,
    cwd,
  ).catch((err: Error) => {
    rmSync(cwd, { recursive: true, force: true });
    throw err;
  });
  const proc: Spawned = {
    ...started,
    stop: async (graceMs) => {
      await started.stop(graceMs);
      rmSync(cwd, { recursive: true, force: true });
    },
  };
  return { name, port, proc, profileDir };
}

export async function startServer(name: ServerName, options: StartOptions = {}): Promise<ServerUnderTest> {
  if (name === 'coturn') return startCoturn();
  // A port picked free can be taken before every thread binds it (the machine is shared): retry elsewhere.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStunnerd(name, options);
    } catch (err) {
      if (attempt >= 5 || !/EADDRINUSE/.test((err as Error).message)) throw err;
      process.stderr.write(`bench: ${name} could not bind its port; retrying on other ports\n`);
    }
  }
}

/** `turnutils_peer` echoing on 127.0.0.1:port and port+1 (RTCP). */
export async function startPeer(): Promise<{ port: number; proc: Spawned }> {
  const port = await freeUdpPortPair();
  // turnutils_peer prints nothing when all is well: up for 300 ms counts as ready.
  const proc = await spawnUntil('turnutils_peer', ['-L', '127.0.0.1', '-p', String(port)], 300, 3000);
  return { port, proc };
}
