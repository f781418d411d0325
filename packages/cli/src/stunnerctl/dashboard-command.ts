// `stunnerctl dashboard`: the dashboard page of local mode, fed from a cluster (issue 13): configs from
// the CDS (watched), counters from each stunnerd's /status and /metrics, and — when discovering through
// Kubernetes — the Gateway and UDPRoute statuses. Bound to loopback by default; any other address needs
// a token. It only reads. Runs until interrupted.
import {
  HEALTH_CHECK_PORT,
  LABEL_RELATED_GATEWAY_NAME,
  LABEL_RELATED_GATEWAY_NAMESPACE,
  METRICS_PORT,
} from '@stunner/api';
import { ClusterSource, DashboardError, type DataplaneEndpoint, LogBuffer, startDashboard } from '@stunner/dashboard';
import { createLogger } from '@stunner/log';
import type { CdsOptions, Context } from './context.ts';
import { parsePort } from './context.ts';
import { causeMessage, StunnerctlError } from './errors.ts';

export interface DashboardCommandOptions extends CdsOptions {
  podAddress?: string;
  podPort?: string;
  metricsAddress?: string;
  metricsPort?: string;
  dashboardAddress: string;
  dashboardPort: string;
  dashboardToken?: string;
}

/** `host[:port]` with the default port filled in. */
function withPort(address: string, port: number): string {
  if (/^\[[^\]]+\]:\d+$/.test(address) || /^[^:]+:\d+$/.test(address)) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The gateway `<namespace>/<name>` a stunnerd serves, from its /status (the config it runs). */
async function gatewayOf(statusUrl: string): Promise<string> {
  try {
    const res = await fetch(statusUrl, { signal: AbortSignal.timeout(5000) });
    const status = (await res.json()) as { admin?: { name?: string } };
    return status.admin?.name ?? statusUrl;
  } catch (cause) {
    throw new StunnerctlError(
      'STUNNERCTL_ERR_STATUS',
      `cannot read stunnerd's /status at ${statusUrl} (${causeMessage(cause)}): check --pod-address and the stunnerd's health-check server`,
      { cause },
    );
  }
}

/** The stunnerds to read: `--pod-address` (and `--metrics-address`), else the discovered pods of -n / all. */
async function findDataplanes(ctx: Context, o: DashboardCommandOptions): Promise<DataplaneEndpoint[]> {
  const podPort = parsePort(o.podPort, HEALTH_CHECK_PORT, '--pod-port');
  const metricsPort = parsePort(o.metricsPort, METRICS_PORT, '--metrics-port');
  if (o.podAddress || o.metricsAddress) {
    const statusUrl = o.podAddress ? `http://${withPort(o.podAddress, podPort)}/status` : undefined;
    const metricsUrl = o.metricsAddress ? `http://${withPort(o.metricsAddress, metricsPort)}/metrics` : undefined;
    const gateway = statusUrl ? await gatewayOf(statusUrl) : (ctx.namespace ?? '');
    return [{ gateway, ...(statusUrl ? { statusUrl } : {}), ...(metricsUrl ? { metricsUrl } : {}) }];
  }
  const discovery = await ctx.discovery();
  let pods: Awaited<ReturnType<typeof discovery.findStunnerds>>;
  try {
    pods = await discovery.findStunnerds(ctx.explicitNamespace, undefined);
  } catch (err) {
    // The configs still show; the page says that no counters come.
    ctx.log.warn(err instanceof Error ? err.message : String(err));
    return [];
  }
  const out: DataplaneEndpoint[] = [];
  for (const pod of pods) {
    const gateway = `${pod.labels[LABEL_RELATED_GATEWAY_NAMESPACE] ?? pod.namespace}/${pod.labels[LABEL_RELATED_GATEWAY_NAME] ?? ''}`;
    const health = await discovery.reach(pod, podPort);
    const metrics = await discovery.reach(pod, metricsPort);
    out.push({
      gateway,
      statusUrl: `http://${health.address}/status`,
      metricsUrl: `http://${metrics.address}/metrics`,
    });
  }
  return out;
}

export async function dashboardCommand(ctx: Context, o: DashboardCommandOptions, signal: AbortSignal): Promise<void> {
  const port = o.dashboardPort === '0' ? 0 : parsePort(o.dashboardPort, 8090, '--dashboard-port');
  const token = o.dashboardToken ?? process.env.STUNNER_DASHBOARD_TOKEN;
  const cds = await ctx.cds(o);
  const dataplanes = await findDataplanes(ctx, o);
  // Statuses come from the API server when the stunnerds were found through it.
  const discovery = o.podAddress || o.metricsAddress ? undefined : await ctx.discovery();
  const source = new ClusterSource({
    cds: new URL(cds.base),
    dataplanes: async () => dataplanes,
    ...(discovery ? { statuses: () => discovery.listStatuses(ctx.explicitNamespace) } : {}),
  });
  // The page's log panel: what this dashboard reads from (stderr keeps -l's levels).
  const logs = new LogBuffer();
  const pageLog = createLogger('dashboard', { spec: 'all:INFO', output: logs.write });
  for (const log of [ctx.log, pageLog]) {
    log.info('configs from the CDS', { url: cds.base });
    for (const d of dataplanes)
      log.info('counters of a stunnerd', { gateway: d.gateway, status: d.statusUrl, metrics: d.metricsUrl });
    if (dataplanes.length === 0) log.warn('no stunnerd to read counters from: the page shows configs only');
  }
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  try {
    dashboard = await startDashboard({
      source,
      address: o.dashboardAddress,
      port,
      ...(token ? { token } : {}),
      logs,
    });
  } catch (err) {
    source.close();
    const why = err instanceof DashboardError ? err.message : causeMessage(err);
    throw new StunnerctlError('STUNNERCTL_ERR_DASHBOARD', `cannot serve the dashboard: ${why}`, { cause: err });
  }
  // The token stays out of the output: whoever gave it knows it.
  const url = new URL(dashboard.url);
  url.search = '';
  ctx.io.stdout(`dashboard: ${url}${token ? ' (add ?token=<your token>)' : ''}\n`);
  if (!signal.aborted)
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await dashboard.close();
  source.close();
}
