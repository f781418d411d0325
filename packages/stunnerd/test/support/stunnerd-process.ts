// stunnerd as a user runs it: a child process with a config file, its output collected, its /metrics
// scraped and its resident memory read from /proc. For the process-level reliability tests and the soak.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STUNNERD_MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
export const REALM = 'stunner.l7mp.io';
export const USERNAME = 'user';
export const PASSWORD = 'pass';

export interface ListenerSpec {
  name: string;
  protocol: 'TURN-UDP' | 'TURN-TCP' | 'TURN-TLS' | 'TURN-DTLS';
  port: number;
  address?: string;
  cert?: string;
  key?: string;
}

export interface ConfigSpec {
  listeners: ListenerSpec[];
  /** STATIC endpoints of the one route. Default open to everything (the deny list still applies). */
  endpoints?: string[];
  metricsPort?: number;
  healthPort?: number;
  realm?: string;
}

/** A stunner-v1 config (stunner-v1.md §1.6) with static auth and one route named `media`. */
export function configJson(spec: ConfigSpec): string {
  return JSON.stringify({
    version: 'v1',
    admin: {
      name: 'test/gw',
      healthcheck_endpoint: spec.healthPort ? `http://127.0.0.1:${spec.healthPort}` : '',
      ...(spec.metricsPort ? { metrics_endpoint: `http://127.0.0.1:${spec.metricsPort}/metrics` } : {}),
    },
    auth: { type: 'static', realm: spec.realm ?? REALM, credentials: { username: USERNAME, password: PASSWORD } },
    listeners: spec.listeners.map((l) => ({
      name: l.name,
      protocol: l.protocol,
      address: l.address ?? '127.0.0.1',
      port: l.port,
      routes: ['media'],
      ...(l.cert ? { cert: l.cert, key: l.key } : {}),
    })),
    clusters: [{ name: 'media', type: 'STATIC', endpoints: spec.endpoints ?? ['0.0.0.0/0', '::/0'] }],
  });
}

export interface StunnerdProcess {
  readonly child: ChildProcess;
  readonly dir: string;
  readonly configPath: string;
  output(): string;
  /** Waits until the output matches `re` (30 s at most). */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  /** Resident set size in KiB, from /proc. */
  rssKiB(): number;
  /** Open file descriptors, from /proc. */
  fds(): number;
  metrics(): Promise<string>;
  rewrite(spec: ConfigSpec | string): void;
  /** SIGKILL and clean up (idempotent). */
  kill(): Promise<void>;
}

/**
 * Starts `stunnerd -c file://<config> [...extra]` and resolves once every listener of the spec is up.
 */
export async function startStunnerd(spec: ConfigSpec, extra: string[] = []): Promise<StunnerdProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'stunnerd-rel-'));
  const configPath = join(dir, 'stunnerd.json');
  writeFileSync(configPath, configJson(spec));
  const child = spawn(process.execPath, [STUNNERD_MAIN, '-c', `file://${configPath}`, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (d: Buffer) => {
    out += d.toString();
    if (out.length > 1_000_000) out = out.slice(-500_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const waitFor = async (re: RegExp, ms = 30_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!re.test(out)) {
      if (child.exitCode !== null) throw new Error(`stunnerd exited ${child.exitCode}:\n${out}`);
      if (Date.now() > deadline) throw new Error(`stunnerd: no ${re} within ${ms} ms:\n${out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const proc: StunnerdProcess = {
    child,
    dir,
    configPath,
    output: () => out,
    waitFor,
    rssKiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? Number.NaN),
    fds: () => readdirSync(`/proc/${child.pid}/fd`).length,
    metrics: async () => {
      if (!spec.metricsPort) throw new Error('no metrics port in the spec');
      return (await fetch(`http://127.0.0.1:${spec.metricsPort}/metrics`)).text();
    },
    rewrite: (next) => writeFileSync(configPath, typeof next === 'string' ? next : configJson(next)),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const l of spec.listeners) {
    await waitFor(new RegExp(`${l.protocol} port ${l.port}|listener ${l.name} ${l.protocol}`));
  }
  return proc;
}

/** A metric's value from a Prometheus text page (the first series matching `name` and `labels`). */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  const re = new RegExp(`^${name}${labels ? `\\{[^}]*${labels}[^}]*\\}` : '(?:\\{[^}]*\\})?'} ([0-9.e+-]+)$`, 'm');
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
}
