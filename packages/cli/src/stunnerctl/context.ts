// What every subcommand shares: the global flags (-n, -a, -o, -l, -v, kubeconfig), the printer, the
// loggers, and the way to the CDS, authd and stunnerd (an explicit address, else Kubernetes discovery).
import { DEFAULT_CDS_PORT, HEALTH_CHECK_PORT } from '@stunner/api';
import { type Logger, LoggerFactory, logSpecFromFlags } from '@stunner/log';
import { cdsBaseUrl } from '../stunner-uri.ts';
import { CdsClient } from './cds-client.ts';
import type { Discovery, Reached } from './discovery.ts';
import { StunnerctlError } from './errors.ts';
import { type OutputFormat, Printer, parseOutputFormat } from './output-format.ts';

/** stunnerctl's `-l` default (stunner-v1.md §4). */
export const STUNNERCTL_DEFAULT_LOG_SPEC = 'all:WARN';
export const DEFAULT_AUTH_PORT = 8088;

export interface GlobalOptions {
  namespace?: string;
  allNamespaces?: boolean;
  output: string;
  loglevel?: string;
  verbose?: boolean;
  kubeconfig?: string;
  context?: string;
}

export interface CdsOptions {
  cdsServerAddress?: string;
  cdsServerNamespace?: string;
  cdsServerPort?: string;
}

export interface AuthOptions {
  authServerAddress?: string;
  authServiceNamespace?: string;
  authServicePort?: string;
  authToken?: string;
}

/** Headers for authd: its optional bearer token (`--auth-token`, else `$AUTHD_TOKEN`). */
export function authHeaders(o: AuthOptions): Record<string, string> {
  const token = o.authToken ?? process.env.AUTHD_TOKEN;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export interface PodOptions {
  podAddress?: string;
  podName?: string;
  podPort?: string;
}

export interface CommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export function parsePort(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new StunnerctlError('STUNNERCTL_ERR_USAGE', `${flag} ${text} is not a port (1–65535)`);
  }
  return n;
}

function hasPort(address: string): boolean {
  return /^\[[^\]]+\]:\d+$/.test(address) || /^[^:]+:\d+$/.test(address) || /^https?:\/\//i.test(address);
}

export class Context {
  readonly options: GlobalOptions;
  format: OutputFormat;
  printer: Printer;
  readonly loggers: LoggerFactory;
  readonly log: Logger;
  readonly io: CommandIo;
  #discovery: Discovery | undefined;

  constructor(options: GlobalOptions, io: CommandIo) {
    this.options = options;
    this.io = io;
    this.format = parseOutputFormat(options.output);
    this.printer = new Printer(this.format, io.stdout);
    this.loggers = new LoggerFactory({
      spec: logSpecFromFlags({ log: options.loglevel, verbose: options.verbose }, STUNNERCTL_DEFAULT_LOG_SPEC),
      output: io.stderr,
    });
    this.log = this.loggers.getLogger('stunnerctl');
  }

  /** Another output format than -o's (a command whose default differs). */
  setOutput(text: string): void {
    this.format = parseOutputFormat(text);
    this.printer = new Printer(this.format, this.io.stdout);
  }

  /** Loaded on first use: the Kubernetes client costs start-up time that explicit addresses skip. */
  async discovery(): Promise<Discovery> {
    if (!this.#discovery) {
      const { Discovery } = await import('./discovery.ts');
      const o = this.options;
      this.#discovery = new Discovery(
        { ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}) },
        this.loggers.getLogger('k8s-fwd'),
      );
    }
    return this.#discovery;
  }

  /** `-n`, default "default"; undefined with `-a`. */
  get namespace(): string | undefined {
    if (this.options.allNamespaces) return undefined;
    return this.options.namespace || 'default';
  }

  /** `-n` when given (and not `-a`): commands that default to every namespace. */
  get explicitNamespace(): string | undefined {
    if (this.options.allNamespaces) return undefined;
    return this.options.namespace || undefined;
  }

  /** A CDS client: `--cds-server-address` (also `$CDS_SERVER_ADDR`), else the discovered operator pod. */
  async cds(o: CdsOptions): Promise<CdsClient> {
    const port = parsePort(o.cdsServerPort ?? process.env.CDS_SERVER_PORT, DEFAULT_CDS_PORT, '--cds-server-port');
    const address = o.cdsServerAddress ?? process.env.CDS_SERVER_ADDR;
    if (address) return new CdsClient(cdsBaseUrl(address, port));
    const discovery = await this.discovery();
    const pod = await discovery.findCds(o.cdsServerNamespace ?? process.env.CDS_SERVER_NAMESPACE);
    this.log.debug('found the CDS server', { pod: `${pod.namespace}/${pod.name}` });
    const reached = await discovery.reach(pod, port);
    return new CdsClient(`http://${reached.address}`);
  }

  /** authd's base URL: `--auth-server-address`, else a discovered app=stunner-auth pod. */
  async auth(o: AuthOptions): Promise<string> {
    const port = parsePort(o.authServicePort, DEFAULT_AUTH_PORT, '--auth-service-port');
    if (o.authServerAddress) {
      const a = o.authServerAddress;
      if (/^https?:\/\//i.test(a)) return a.replace(/\/+$/, '');
      return `http://${hasPort(a) ? a : a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`}`;
    }
    const discovery = await this.discovery();
    const pod = await discovery.findAuth(o.authServiceNamespace);
    this.log.debug('found the auth service', { pod: `${pod.namespace}/${pod.name}` });
    return `http://${(await discovery.reach(pod, port)).address}`;
  }

  /** stunnerd health endpoints: `--pod-address`, else every matching app=stunner pod. */
  async stunnerds(o: PodOptions, gateway: string | undefined): Promise<Reached[]> {
    const port = parsePort(o.podPort, HEALTH_CHECK_PORT, '--pod-port');
    if (o.podAddress) {
      const a = o.podAddress;
      const address = hasPort(a) ? a : a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
      return [{ address, label: address }];
    }
    const discovery = await this.discovery();
    const pods = await discovery.findStunnerds(this.namespace, gateway, o.podName);
    const out: Reached[] = [];
    for (const p of pods) out.push(await discovery.reach(p, port));
    return out;
  }

  async close(): Promise<void> {
    await this.#discovery?.close();
  }
}
