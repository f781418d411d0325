// The human views of `-o summary`: what a person debugging a call needs to see (listeners with their
// public addresses, auth type, routes and the clusters they reach), not a dump. The long-lived secrets of
// a config stay hidden here (`-o json|yaml` shows the object as served); `auth` shows the credentials it
// was asked for.

/** The parts of a stunnerd config (v1, stunner-v1.md §1.1) the summary reads; served JSON may omit any. */
export interface ConfigView {
  version?: string;
  admin?: { name?: string; loglevel?: string; healthcheck_endpoint?: string | null; metrics_endpoint?: string };
  auth?: { type?: string; realm?: string; credentials?: Record<string, string> };
  listeners?: ListenerView[] | null;
  clusters?: ClusterView[] | null;
}
interface ListenerView {
  name?: string;
  protocol?: string;
  address?: string;
  port?: number;
  public_address?: string;
  public_port?: number;
  routes?: string[];
}
interface ClusterView {
  name?: string;
  type?: string;
  protocol?: string;
  endpoints?: string[];
}

const none = '<none>';

function authLine(auth: ConfigView['auth']): string {
  const type = auth?.type ?? 'static';
  const creds = auth?.credentials ?? {};
  const realm = auth?.realm ? `, realm ${auth.realm}` : '';
  if (type === 'static' || type === 'plaintext') {
    return `Authentication: static${realm}, username ${creds.username ?? none}, password ${creds.password ? '<hidden>' : none}`;
  }
  if (type === 'none') return `Authentication: none${realm}`;
  return `Authentication: ${type}${realm}, shared secret ${creds.secret ? '<hidden>' : none}`;
}

function hostPort(host: string | undefined, port: number | undefined): string {
  if (!host && !port) return none;
  const h = host ? (host.includes(':') ? `[${host}]` : host) : none;
  return `${h}:${port || none}`;
}

/** A config whose listeners and clusters are gone: how CDS reports a deleted Gateway (§1.6). */
export function isDeletedConfig(c: ConfigView): boolean {
  return (c.listeners ?? []).length === 0 && (c.clusters ?? []).length === 0;
}

export function configSummary(c: ConfigView, indent = ''): string {
  const lines: string[] = [];
  const name = c.admin?.name ?? none;
  if (isDeletedConfig(c)) return `${indent}Gateway: ${name} <deleted>\n`;
  lines.push(`Gateway: ${name} (loglevel: ${c.admin?.loglevel ?? none})`);
  lines.push(authLine(c.auth));
  const clusters = new Map((c.clusters ?? []).map((cl) => [cl.name, cl]));
  lines.push('Listeners:');
  for (const l of c.listeners ?? []) {
    const routes = l.routes ?? [];
    const endpoints = routes.flatMap((r) => clusters.get(r)?.endpoints ?? []);
    lines.push(`  - Name: ${l.name ?? none}`);
    lines.push(`    Protocol: ${l.protocol ?? 'TURN-UDP'}`);
    lines.push(`    Public address: ${hostPort(l.public_address, l.public_port || undefined)}`);
    lines.push(`    Listen address: ${hostPort(l.address, l.port)}`);
    lines.push(`    Routes: [${routes.join(', ')}]`);
    lines.push(`    Endpoints: [${endpoints.join(', ')}]`);
  }
  lines.push('Clusters:');
  for (const cl of c.clusters ?? []) {
    lines.push(
      `  - ${cl.name ?? none}: ${cl.type ?? 'STATIC'} ${cl.protocol ?? 'UDP'} [${(cl.endpoints ?? []).join(', ')}]`,
    );
  }
  return lines.map((l) => `${indent}${l}\n`).join('');
}

/** stunnerd's `/status` (§1.11): its config plus allocation count and readiness. */
export interface StatusView extends ConfigView {
  allocationCount?: number;
  status?: string;
}

export function statusSummary(where: string, s: StatusView): string {
  const head = `${where}: ${s.status ?? 'UNKNOWN'}, allocations: ${s.allocationCount ?? 0}\n`;
  if (!s.admin) return `${head}  <no config applied>\n`;
  return head + configSummary(s, '  ');
}

/** authd's `/ice` answer (§3). */
export interface IceView {
  iceServers?: { urls?: string[] | string; username?: string; credential?: string }[];
  iceTransportPolicy?: string;
}
/** authd's `/` (TURN credential) answer (§3). */
export interface TurnCredentialView {
  username?: string;
  password?: string;
  ttl?: number;
  uris?: string[];
}

export function iceSummary(ice: IceView): string {
  const lines = [`ICE transport policy: ${ice.iceTransportPolicy ?? none}`, 'ICE servers:'];
  for (const s of ice.iceServers ?? []) {
    lines.push(`  - Username: ${s.username ?? none}`);
    lines.push(`    Credential: ${s.credential ?? none}`);
    const urls = Array.isArray(s.urls) ? s.urls : s.urls ? [s.urls] : [];
    lines.push('    URLs:');
    for (const u of urls) lines.push(`      - ${u}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

export function turnCredentialSummary(t: TurnCredentialView): string {
  const lines = [
    `Username: ${t.username ?? none}`,
    `Password: ${t.password ?? none}`,
    `TTL: ${t.ttl ?? none} s`,
    'URIs:',
    ...(t.uris ?? []).map((u) => `  - ${u}`),
  ];
  return lines.map((l) => `${l}\n`).join('');
}

/** CDS `/api/v1/license` (§1.6, §1.15). */
export interface LicenseView {
  enabledFeatures?: string[];
  subscriptionType?: string;
  lastUpdated?: string;
  lastError?: string;
}

export function licenseSummary(l: LicenseView): string {
  const tier = l.subscriptionType ?? 'unknown';
  const features = l.enabledFeatures?.length ? l.enabledFeatures.join(', ') : none;
  const lines = [
    `License tier: ${tier}${tier === 'free' ? ' (open source: every feature of this implementation, no premium features)' : ''}`,
    `Enabled premium features: ${features}`,
    `Last updated: ${l.lastUpdated || none}`,
  ];
  if (l.lastError) lines.push(`Last error: ${l.lastError}`);
  return lines.map((x) => `${x}\n`).join('');
}
