// What the stunnerctl tests share: the program run as a process, stunnerd processes that take their
// config from a CDS, and gateway configs with UDP, TCP and TLS listeners on loopback.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StunnerConfig } from '@stunner/api';
import { CdsServer } from '@stunner/operator/runtime';
import { freePort, type SelfSignedCert, type WatchedProcess, watchProcess } from '@stunner/testing';

const STUNNERCTL = fileURLToPath(new URL('../src/stunnerctl.ts', import.meta.url));
const STUNNERD = fileURLToPath(new URL('./main.ts', import.meta.resolve('@stunner/stunnerd')));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `stunnerctl <args>` to its end, as a user would (bounded by `timeoutMs`). */
export function stunnerctl(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [STUNNERCTL, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A long-running stunnerctl (`config -w`). */
export function stunnerctlProcess(args: string[]): WatchedProcess {
  return watchProcess(process.execPath, [STUNNERCTL, ...args]);
}

/** stunnerd following `id` at the CDS (watch mode), as the operator's Deployment runs it. */
export async function startStunnerd(cdsPort: number, id: string): Promise<WatchedProcess> {
  const [ns, name] = id.split('/') as [string, string];
  const p = watchProcess(process.execPath, [STUNNERD, '-w', '-l', 'all:INFO', '--id', id], {
    env: {
      ...process.env,
      STUNNER_CONFIG_ORIGIN: `http://127.0.0.1:${cdsPort}`,
      STUNNER_ADDR: '127.0.0.1',
      STUNNER_NAMESPACE: ns,
      STUNNER_NAME: name,
    },
  });
  await p.waitFor(/config applied/, { stream: 'stderr', timeoutMs: 20_000 });
  return p;
}

export interface GatewayPorts {
  udp: number;
  tcp: number;
  tls: number;
  health: number;
}

/**
 * A rendered-looking config for `<ns>/<gw>`: TURN-UDP, TURN-TCP and TURN-TLS listeners on 127.0.0.1 (public
 * address too), routed to a cluster that opens loopback, where both icetest peers' relays live.
 */
export function gatewayConfig(
  id: string,
  ports: GatewayPorts,
  cert: SelfSignedCert,
  auth: StunnerConfig['auth'] = {
    type: 'static',
    realm: 'stunner.l7mp.io',
    credentials: { username: 'user-1', password: 'pass-1' },
  },
): StunnerConfig {
  const [ns] = id.split('/') as [string];
  const listener = (l: string, protocol: 'TURN-UDP' | 'TURN-TCP' | 'TURN-TLS', port: number) => ({
    name: `${id}/${l}`,
    protocol,
    address: '127.0.0.1',
    port,
    public_address: '127.0.0.1',
    public_port: port,
    routes: [`${ns}/media-plane`],
    ...(protocol === 'TURN-TLS'
      ? { cert: Buffer.from(cert.cert).toString('base64'), key: Buffer.from(cert.key).toString('base64') }
      : {}),
  });
  return {
    version: 'v1',
    admin: { name: id, loglevel: 'all:INFO', healthcheck_endpoint: `http://127.0.0.1:${ports.health}` },
    auth,
    listeners: [
      listener('udp-listener', 'TURN-UDP', ports.udp),
      listener('tcp-listener', 'TURN-TCP', ports.tcp),
      listener('tls-listener', 'TURN-TLS', ports.tls),
    ],
    clusters: [{ name: `${ns}/media-plane`, type: 'STATIC', protocol: 'UDP', endpoints: ['127.0.0.1/32'] }],
  };
}

/** The operator's CDS server (in this process) serving one gateway, and the stunnerd process following it. */
export interface CdsGateway {
  cds: CdsServer;
  /** `127.0.0.1:<port>` of the CDS. */
  cdsAddr: string;
  ports: GatewayPorts;
  metricsPort: number;
  stunnerd: WatchedProcess;
  stop(): Promise<void>;
}

/** `gatewayConfig(id)` with a metrics endpoint, served by a CdsServer to a stunnerd process. */
export async function startCdsGateway(id: string, cert: SelfSignedCert): Promise<CdsGateway> {
  const cds = new CdsServer();
  const a = await cds.listen(0, '127.0.0.1');
  const ports = { udp: await freePort(), tcp: await freePort(), tls: await freePort(), health: await freePort() };
  const metricsPort = await freePort();
  const config = gatewayConfig(id, ports, cert);
  config.admin.metrics_endpoint = `http://127.0.0.1:${metricsPort}/metrics`;
  cds.update([config]);
  let stunnerd: WatchedProcess;
  try {
    stunnerd = await startStunnerd(a.port, id);
  } catch (err) {
    await cds.close();
    throw err;
  }
  return {
    cds,
    cdsAddr: `127.0.0.1:${a.port}`,
    ports,
    metricsPort,
    stunnerd,
    stop: async () => {
      await stunnerd.stop();
      await cds.close();
    },
  };
}

/** stderr is one line naming the error code. */
export function oneLineError(r: Run, code: string): boolean {
  const lines = r.stderr.trim().split('\n');
  return lines.length === 1 && lines[0]!.startsWith(`stunnerctl: ${code}: `);
}
