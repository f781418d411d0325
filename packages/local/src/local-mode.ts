// Local mode: manifests → renderer → stunnerd (one Stunnerd object per Gateway), authd and the
// UDP greeters in this process, edits followed, and the dashboard's source.
import type { Socket } from 'node:dgram';
import { relative } from 'node:path';
import { AuthServer } from '@stunner/auth';
import { startUdpGreeter } from '@stunner/cli';
import {
  type DashboardSample,
  type DashboardServer,
  type DashboardSource,
  type IceTestTarget,
  isLoopbackHost,
  type LogBuffer,
  type Problem,
  startDashboard,
} from '@stunner/dashboard';
import type { Logger, LoggerFactory } from '@stunner/log';

import { describeListenError, LocalError } from './errors.ts';
import { LocalDataplane } from './local-dataplane.ts';
import { LOCAL_ADDRESS, type LocalRender, renderLocal } from './local-render.ts';
import { localSample } from './local-sample.ts';
import { readManifestFiles } from './manifest-files.ts';
import { ManifestWatcher } from './manifest-watcher.ts';
import { turncatCommand } from './summary.ts';

export interface LocalModeOptions {
  paths: string[];
  portOffset: number;
  authPort: number;
  dashboard?: { address: string; port: number; token?: string };
  /** The log spec from the command line; it wins over the GatewayConfig's. */
  logSpec?: string;
  log: Logger;
  stunnerdLoggers: LoggerFactory;
  /** Recent log lines for the dashboard. */
  logs?: LogBuffer;
  /** Debounce of manifest edits, ms. Default 200. */
  debounceMs?: number;
}

/** A path relative to the working directory when it lies below it. */
function shortPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') ? p : r;
}

export class LocalMode implements DashboardSource {
  readonly title: string;
  ice?: IceTestTarget;
  readonly #o: LocalModeOptions;
  readonly #dataplane: LocalDataplane;
  readonly #watcher: ManifestWatcher;
  readonly #greeters = new Map<number, Socket>();
  #render: LocalRender | undefined;
  #auth: AuthServer | undefined;
  #authUrl = '';
  #dashboard: DashboardServer | undefined;
  #queue: Promise<void> = Promise.resolve();
  #reported = '';
  #lastText = '';

  constructor(options: LocalModeOptions) {
    this.#o = options;
    this.title = `local mode: ${options.paths.map(shortPath).join(', ')}`;
    this.#dataplane = new LocalDataplane(options.stunnerdLoggers, options.logSpec);
    this.#watcher = new ManifestWatcher(() => void this.reload(), options.debounceMs);
  }

  get render(): LocalRender | undefined {
    return this.#render;
  }
  get authUrl(): string {
    return this.#authUrl;
  }
  get dashboardUrl(): string | undefined {
    return this.#dashboard?.url;
  }
  get greeterPorts(): number[] {
    return [...this.#greeters.keys()];
  }

  /** Serves the manifests; rejects with a LocalError (one line to print) when it cannot. */
  async start(): Promise<void> {
    const read = readManifestFiles(this.#o.paths);
    const render = renderLocal(read.docs, read.errors, { portOffset: this.#o.portOffset });
    if (render.loadErrors.length > 0) {
      const [e] = render.loadErrors;
      const more = render.loadErrors.length > 1 ? ` (and ${render.loadErrors.length - 1} more)` : '';
      throw new LocalError(
        'LOCAL_ERR_MANIFESTS',
        `${e!.object}${e!.field ? ` ${e!.field}` : ''}: ${e!.message}${more}`,
      );
    }
    this.#lastText = JSON.stringify(read.docs);
    this.#render = render;
    this.#report(render);
    const failed = await this.#dataplane.reconcile(render.configs);
    if (failed.size > 0) {
      const [gateway, message] = [...failed][0]!;
      const config = render.configs.find((c) => c.admin.name === gateway);
      const admin = [config?.admin.healthcheck_endpoint, config?.admin.metrics_endpoint].find(
        (e) => e && message.includes(e.replace(/^\w+:\/\//, '').replace(/\/.*$/, '')),
      );
      const what = admin ? `stunnerd's admin server ${admin} (set in the Dataplane)` : `gateway ${gateway}`;
      throw new LocalError('LOCAL_ERR_LISTEN', `${what}: ${describeListenError(new Error(message))}`);
    }
    await this.#reconcileGreeters(render.greeters, true);
    await this.#startAuth();
    if (this.#o.dashboard) await this.#startDashboard(this.#o.dashboard);
    this.#watcher.follow(read.files, read.dirs);
  }

  async #startAuth(): Promise<void> {
    const port = this.#o.authPort + this.#o.portOffset;
    const d = this.#o.dashboard;
    const origins = d
      ? [...new Set([LOCAL_ADDRESS, 'localhost', d.address])].map(
          (h) => `http://${h.includes(':') ? `[${h}]` : h}:${d.port + this.#o.portOffset}`,
        )
      : [];
    this.#auth = new AuthServer({
      configs: () => this.#dataplane.running(),
      ...(origins.length > 0 ? { corsOrigins: origins } : {}),
      probes: true,
      logger: this.#o.log.child('authd'),
    });
    try {
      await this.#auth.listen(port, LOCAL_ADDRESS);
    } catch (err) {
      throw new LocalError(
        'LOCAL_ERR_LISTEN',
        `authd cannot listen on ${LOCAL_ADDRESS}:${port}: ${describeListenError(err)}`,
      );
    }
    this.#authUrl = `http://${LOCAL_ADDRESS}:${port}`;
    this.ice = { iceUrl: `${this.#authUrl}/ice?service=turn&iceTransportPolicy=relay&username=dashboard` };
  }

  async #startDashboard(d: { address: string; port: number; token?: string }): Promise<void> {
    const port = d.port + this.#o.portOffset;
    try {
      this.#dashboard = await startDashboard({
        source: this,
        address: d.address,
        port,
        ...(d.token ? { token: d.token } : {}),
        ...(this.#o.logs ? { logs: this.#o.logs } : {}),
      });
    } catch (err) {
      if (err instanceof LocalError || (err as { code?: string }).code === 'DASHBOARD_ERR_TOKEN_REQUIRED') throw err;
      throw new LocalError(
        'LOCAL_ERR_LISTEN',
        `the dashboard cannot listen on ${d.address}:${port}: ${describeListenError(err)}`,
      );
    }
    if (!isLoopbackHost(d.address)) this.#o.log.warn(`the dashboard is reachable off this machine at ${d.address}`);
  }

  /** Re-reads the manifests, re-renders and reconciles; a broken manifest keeps the last good configs. */
  reload(): Promise<void> {
    const run = this.#queue.then(() => this.#reload());
    this.#queue = run.catch((err: unknown) => this.#o.log.error(`reload failed: ${(err as Error).message}`));
    return this.#queue;
  }

  async #reload(): Promise<void> {
    const read = readManifestFiles(this.#o.paths);
    this.#watcher.follow(read.files, read.dirs);
    const text = JSON.stringify([read.docs, read.errors]);
    if (text === this.#lastText) return;
    this.#lastText = text;
    const previous = this.#render;
    const render = renderLocal(read.docs, read.errors, {
      portOffset: this.#o.portOffset,
      ...(previous ? { previous: previous.statuses } : {}),
    });
    this.#report(render);
    if (render.loadErrors.length > 0) {
      this.#o.log.error(
        `manifests have ${render.loadErrors.length} error(s): the last good config keeps serving until they are fixed`,
      );
      // Statuses stay those of the last good render; the errors show beside them.
      this.#render = previous
        ? { ...previous, loadErrors: render.loadErrors, objects: new Map([...previous.objects, ...render.objects]) }
        : render;
      return;
    }
    this.#render = render;
    this.#o.log.info('manifests changed: reconciling', {
      gateways: render.configs.length,
      listeners: render.configs.reduce((n, c) => n + c.listeners.length, 0),
    });
    const failed = await this.#dataplane.reconcile(render.configs);
    for (const [gateway, message] of failed) {
      this.#o.log.error(
        `gateway ${gateway}: ${describeListenError(new Error(message))}; the previous config keeps serving`,
      );
    }
    await this.#reconcileGreeters(render.greeters, false);
  }

  /** Prints the problems of a render once (the statuses the operator would write, and issues). */
  #report(render: LocalRender): void {
    const lines: string[] = [];
    const sample = localSample({
      render,
      running: [],
      dataplane: { listeners: new Map(), clusters: [], allocations: [] },
      problems: [],
      now: 0,
    });
    for (const m of sample.manifests) for (const p of m.problems) lines.push(`${m.object}: ${p}`);
    for (const g of sample.gateways) {
      for (const c of g.conditions) {
        if (c.status !== 'True')
          lines.push(`Gateway ${g.namespace}/${g.name}: ${c.type}=${c.status} ${c.reason}: ${c.message}`);
      }
    }
    const text = lines.join('\n');
    if (text === this.#reported) return;
    this.#reported = text;
    for (const l of lines) this.#o.log.warn(l);
  }

  async #reconcileGreeters(ports: readonly number[], startup: boolean): Promise<void> {
    for (const [port, socket] of [...this.#greeters]) {
      if (ports.includes(port)) continue;
      socket.close();
      this.#greeters.delete(port);
      this.#o.log.info('udp-greeter stopped', { port });
    }
    for (const port of ports) {
      if (this.#greeters.has(port)) continue;
      try {
        this.#greeters.set(port, await startUdpGreeter(LOCAL_ADDRESS, port));
        this.#o.log.info('udp-greeter listening', { address: `${LOCAL_ADDRESS}:${port}` });
      } catch (err) {
        const message = `udp-greeter cannot listen on ${LOCAL_ADDRESS}:${port}: ${describeListenError(err)}`;
        if (startup) throw new LocalError('LOCAL_ERR_LISTEN', message);
        this.#o.log.error(message);
      }
    }
  }

  /** The configs being served now. */
  running() {
    return this.#dataplane.running();
  }

  async sample(): Promise<DashboardSample> {
    const problems: Problem[] = [];
    const errors = this.#render?.loadErrors ?? [];
    if (errors.length > 0) {
      problems.push({
        severity: 'error',
        message: `the manifests have ${errors.length} error(s): the last good config keeps serving (see Manifests)`,
      });
    }
    for (const [gateway, message] of this.#dataplane.errors) {
      problems.push({
        severity: 'error',
        message: `gateway ${gateway}: ${message}; the previous config keeps serving`,
      });
    }
    const running = this.#dataplane.running();
    const turncat = turncatCommand(running, this.greeterPorts, true);
    return {
      ...localSample({
        render: this.#render,
        running,
        dataplane: await this.#dataplane.sample(),
        problems,
        now: Date.now(),
      }),
      ...(turncat ? { tryIt: [turncat] } : {}),
    };
  }

  async close(): Promise<void> {
    this.#watcher.close();
    await this.#queue;
    await this.#dashboard?.close();
    await this.#auth?.close();
    for (const s of this.#greeters.values()) s.close();
    this.#greeters.clear();
    await this.#dataplane.close();
  }
}
