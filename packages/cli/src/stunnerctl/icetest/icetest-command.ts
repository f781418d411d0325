// `stunnerctl icetest [gateway] [udp|tcp|tls|dtls ...]`: STUNner's icetest deploys a tester into the
// cluster; ours runs two WebRTC peers in this process, relay-only through each listener of the gateway
// (from the CDS or authd, or `--turn-uri`s), and reports connect time, RTT p50/p99 and loss. Exit 1
// when a tested protocol fails. DTLS is reported as skipped: werift's TURN client has no DTLS transport.

import { authQueryUrl } from '../auth-command.ts';
import { configSelector } from '../config-command.ts';
import { type AuthOptions, authHeaders, type CdsOptions, type Context } from '../context.ts';
import { causeMessage, StunnerctlError } from '../errors.ts';
import type { IceView } from '../summary.ts';
import {
  ICE_PROTOCOLS,
  type IceProtocol,
  type IceTarget,
  targetsFromConfigs,
  targetsFromIce,
  targetsFromUris,
} from './ice-targets.ts';
import { type IcetestReport, icetestSummary, type ProtocolResult } from './icetest-report.ts';
import { runPeerPair } from './peer-pair.ts';

export interface IcetestOptions extends CdsOptions, AuthOptions {
  turnUri?: string[];
  via?: 'cds' | 'auth';
  packetRate: string;
  duration: string;
  timeout: string;
  maxLoss: string;
  insecure?: boolean;
  sni?: string;
}

function number(text: string, flag: string, min: number, max: number, integer = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new StunnerctlError(
      'STUNNERCTL_ERR_USAGE',
      `${flag} ${text}: use ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`,
    );
  }
  return n;
}

async function iceFromAuth(ctx: Context, gateway: string | undefined, o: IcetestOptions): Promise<IceView> {
  const ns = ctx.options.allNamespaces
    ? undefined
    : (ctx.options.namespace ?? (gateway !== undefined ? 'default' : undefined));
  const url = new URL(authQueryUrl(await ctx.auth(o), ns, gateway, {}));
  url.searchParams.set('iceTransportPolicy', 'relay');
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders(o), signal: AbortSignal.timeout(5000) });
  } catch (cause) {
    throw new StunnerctlError(
      'STUNNERCTL_ERR_AUTH',
      `cannot reach the auth service at ${url.host} (${causeMessage(cause)}): check --auth-server-address`,
      { cause },
    );
  }
  if (res.status !== 200) {
    throw new StunnerctlError(
      res.status === 404 ? 'STUNNERCTL_ERR_NOT_FOUND' : 'STUNNERCTL_ERR_AUTH',
      `the auth service answered ${res.status}: ${(await res.text()).trim().slice(0, 200)}`,
    );
  }
  return (await res.json()) as IceView;
}

async function targets(ctx: Context, gateway: string | undefined, o: IcetestOptions): Promise<IceTarget[]> {
  if (o.turnUri?.length) {
    try {
      return targetsFromUris(o.turnUri);
    } catch (err) {
      throw new StunnerctlError('STUNNERCTL_ERR_USAGE', (err as Error).message, { cause: err });
    }
  }
  const via = o.via ?? (o.authServerAddress ? 'auth' : 'cds');
  if (via === 'auth') return targetsFromIce(await iceFromAuth(ctx, gateway, o));
  const cds = await ctx.cds(o);
  return targetsFromConfigs(await cds.getConfigs(configSelector(ctx, gateway)), Date.now() / 1000);
}

export async function icetestCommand(
  ctx: Context,
  args: string[],
  o: IcetestOptions,
  signal: AbortSignal,
): Promise<void> {
  const asked = new Set<IceProtocol>();
  const names: string[] = [];
  for (const a of args) {
    if ((ICE_PROTOCOLS as readonly string[]).includes(a.toLowerCase())) asked.add(a.toLowerCase() as IceProtocol);
    else names.push(a);
  }
  if (names.length > 1) {
    throw new StunnerctlError(
      'STUNNERCTL_ERR_USAGE',
      `one gateway at most; got ${names.join(', ')} (protocols are udp, tcp, tls, dtls)`,
    );
  }
  const gateway = names[0];
  const rate = number(o.packetRate, '--packet-rate', 0, 10_000, true);
  const durationSeconds = number(o.duration, '--duration', 0.1, 600);
  const timeoutMs = number(o.timeout, '--timeout', 1, 600) * 1000;
  const maxLoss = number(o.maxLoss, '--max-loss', 0, 100);

  const all = await targets(ctx, gateway, o);
  const chosen = all.filter((t) => asked.size === 0 || asked.has(t.protocol));
  if (chosen.length === 0) {
    const what = asked.size > 0 ? `${[...asked].join('/')} listener` : 'TURN listener';
    throw new StunnerctlError(
      'STUNNERCTL_ERR_ICETEST',
      `no ${what} to test${gateway ? ` on gateway ${gateway}` : ''} (found: ${all.map((t) => `${t.protocol} ${t.listener}`).join(', ') || 'none'})`,
    );
  }

  const results: ProtocolResult[] = [];
  for (const t of chosen) {
    if (signal.aborted) break;
    const base = { protocol: t.protocol, listener: t.listener, url: t.url };
    if (t.error) {
      results.push({ ...base, result: 'failed', error: t.error });
      continue;
    }
    if (t.protocol === 'dtls') {
      results.push({ ...base, result: 'skipped', error: "werift's TURN client has no DTLS transport" });
      continue;
    }
    ctx.log.info('testing', { listener: t.listener, url: t.url });
    try {
      const r = await runPeerPair({
        server: {
          urls: t.url,
          ...(t.username !== undefined ? { username: t.username } : {}),
          ...(t.credential !== undefined ? { credential: t.credential } : {}),
        },
        rate,
        durationMs: durationSeconds * 1000,
        connectTimeoutMs: timeoutMs,
        signal,
        ...(t.protocol === 'tls'
          ? { tls: { rejectUnauthorized: !o.insecure, ...(o.sni ? { servername: o.sni } : {}) } }
          : {}),
      });
      const lossy = r.lossPercent > maxLoss || r.received === 0;
      results.push({
        ...base,
        ...r,
        result: lossy ? 'failed' : 'ok',
        ...(lossy ? { error: `loss ${r.lossPercent}% is over --max-loss ${maxLoss}%` } : {}),
      });
    } catch (err) {
      results.push({ ...base, result: 'failed', error: causeMessage(err) });
    }
  }
  const report: IcetestReport = { packetRate: rate, durationSeconds, results };
  ctx.printer.print(report, () => icetestSummary(report));
  if (results.length < chosen.length) {
    const rest = chosen.slice(results.length).map((t) => `${t.protocol.toUpperCase()} (${t.listener})`);
    throw new StunnerctlError('STUNNERCTL_ERR_ICETEST', `interrupted before testing ${rest.join(', ')}`);
  }
  const failed = results.filter((r) => r.result === 'failed' || (r.result === 'skipped' && asked.has(r.protocol)));
  if (failed.length > 0) {
    throw new StunnerctlError(
      'STUNNERCTL_ERR_ICETEST',
      `ICE test failed over ${failed.map((f) => `${f.protocol.toUpperCase()} (${f.listener}): ${f.error ?? 'failed'}`).join('; ')}`,
    );
  }
}
