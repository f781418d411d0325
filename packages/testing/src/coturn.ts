import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { makeSelfSignedCert, type SelfSignedCert } from './self-signed-cert.ts';

export interface CoturnOptions {
  /** Long-term credential users. Default `[{ username: 'user', password: 'pass' }]`; ignored with `authSecret`. */
  users?: Array<{ username: string; password: string }>;
  /** TURN REST API shared secret (`--use-auth-secret --static-auth-secret`); replaces `users`. */
  authSecret?: string;
  /** Default `stunner.test`. */
  realm?: string;
  /** Open TLS and DTLS listeners with this certificate, or a generated one when `true`. Default off. */
  tls?: boolean | SelfSignedCert;
  /** Peers on 127.0.0.1 are refused by coturn unless allowed (403). Default true. */
  allowLoopbackPeers?: boolean;
  /** `--denied-peer-ip` values (an IP or `ip-ip` range each). */
  deniedPeerIps?: string[];
  /** Further `turnserver` arguments. */
  extraArgs?: string[];
  /** How long to wait for the listeners. Default 10000 ms. */
  startTimeoutMs?: number;
}

export interface Coturn {
  host: '127.0.0.1';
  /** UDP and TCP listener port (coturn also accepts TLS and DTLS here when `tls` is on). */
  port: number;
  /** TLS and DTLS listener port; 0 without `tls`. */
  tlsPort: number;
  realm: string;
  username: string;
  password: string;
  cert: SelfSignedCert | undefined;
  /** Everything the server printed so far. */
  log(): string;
  /**
   * Resolves with the first match of `pattern` in the log after character `since` (e.g. an earlier
   * `log().length`); rejects after `timeoutMs` (default 5000).
   */
  waitForLog(pattern: RegExp, options?: { since?: number; timeoutMs?: number }): Promise<RegExpMatchArray>;
  /** Kills the server (SIGTERM, then SIGKILL after 2 s) and removes its files. */
  stop(): Promise<void>;
}

const LISTENER_LINE = /(?:DTLS\/)?(UDP|TCP) listener opened on ?: 127\.0\.0\.1:(\d+)/g;

/**
 * Starts coturn's `turnserver` on loopback with fresh free ports, its own SQLite file and PID file,
 * and resolves once it reports every listener open. Relay addresses are on 127.0.0.1 too.
 */
export async function startCoturn(options: CoturnOptions = {}): Promise<Coturn> {
  // A free port can be taken by another test between freePort() and coturn's bind: try new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt >= 3) throw err;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(options: CoturnOptions): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'stunner-coturn-'));
  const realm = options.realm ?? 'stunner.test';
  const users = options.users ?? [{ username: 'user', password: 'pass' }];
  const cert = options.tls === true ? makeSelfSignedCert({ dir }) : options.tls || undefined;
  const port = await freePort();
  const tlsPort = cert ? await freePort() : 0;
  const args = [
    '-n',
    '-v',
    '--no-cli',
    '--no-rfc5780',
    '--log-file=stdout',
    '--simple-log',
    `--pidfile=${join(dir, 'turnserver.pid')}`,
    `--db=${join(dir, 'turndb')}`,
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    `--realm=${realm}`,
  ];
  if (cert) args.push(`--tls-listening-port=${tlsPort}`, `--cert=${cert.certPath}`, `--pkey=${cert.keyPath}`);
  else args.push('--no-tls', '--no-dtls');
  if (options.authSecret !== undefined) {
    args.push('--use-auth-secret', `--static-auth-secret=${options.authSecret}`);
  } else {
    args.push('--lt-cred-mech', ...users.map((u) => `--user=${u.username}:${u.password}`));
  }
  if (options.allowLoopbackPeers ?? true) args.push('--allow-loopback-peers');
  for (const ip of options.deniedPeerIps ?? []) args.push(`--denied-peer-ip=${ip}`);
  args.push(...(options.extraArgs ?? []));

  const child = spawn('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    output += s;
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    output += s;
  });
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const wanted = [`UDP:${port}`, `TCP:${port}`];
  if (cert) wanted.push(`UDP:${tlsPort}`, `TCP:${tlsPort}`);
  try {
    await waitForListeners(child, () => output, wanted, options.startTimeoutMs ?? 10_000);
  } catch (err) {
    await kill(child);
    cleanup();
    throw err;
  }
  return {
    host: '127.0.0.1',
    port,
    tlsPort,
    realm,
    username: users[0]!.username,
    password: users[0]!.password,
    cert,
    log: () => output,
    waitForLog(pattern, { since = 0, timeoutMs = 5000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = output.slice(since).match(pattern);
          if (!m) return;
          clearTimeout(timer);
          child.stdout!.off('data', check);
          resolve(m);
        };
        const timer = setTimeout(() => {
          child.stdout!.off('data', check);
          reject(new Error(`turnserver did not log ${pattern} in ${timeoutMs} ms:\n${output.slice(-2000)}`));
        }, timeoutMs);
        child.stdout!.on('data', check);
        check();
      });
    },
    async stop() {
      await kill(child);
      cleanup();
    },
  };
}

function waitForListeners(child: ChildProcess, log: () => string, wanted: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      // coturn keeps retrying a port in use forever.
      if (log().includes('Cannot bind')) {
        done(new PortTakenError(`turnserver cannot bind its ports:\n${log().slice(-1000)}`));
        return;
      }
      const open = new Set<string>();
      for (const m of log().matchAll(LISTENER_LINE)) open.add(`${m[1]}:${m[2]}`);
      if (wanted.every((w) => open.has(w)) && log().includes('Total General servers')) done();
    };
    const onExit = (code: number | null): void =>
      done(new Error(`turnserver exited with ${code} before listening:\n${log().slice(-2000)}`));
    const timer = setTimeout(
      () => done(new Error(`turnserver did not open ${wanted.join(' ')} in ${timeoutMs} ms:\n${log().slice(-2000)}`)),
      timeoutMs,
    );
    const done = (err?: Error): void => {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.off('exit', onExit);
      child.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    child.stdout!.on('data', check);
    child.once('exit', onExit);
    child.once('error', done);
    check();
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
