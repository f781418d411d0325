// `stunnerctl status [gateway]` (alias dataplane-status): each stunnerd's /status (stunner-v1.md §1.11)
// for a gateway, a namespace, or all (-a); `--pod-address` asks one stunnerd directly.

import type { Context, PodOptions } from './context.ts';
import { causeMessage, StunnerctlError } from './errors.ts';
import { type StatusView, statusSummary } from './summary.ts';

async function fetchStatus(address: string, label: string): Promise<StatusView> {
  const url = `http://${address}/status`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (cause) {
    throw new StunnerctlError(
      'STUNNERCTL_ERR_STATUS',
      `cannot reach stunnerd ${label} at ${url} (${causeMessage(cause)}): is its health-check server on (admin.healthcheck_endpoint, --pod-port)?`,
      { cause },
    );
  }
  if (res.status !== 200) {
    throw new StunnerctlError('STUNNERCTL_ERR_STATUS', `stunnerd ${label} answered ${res.status} at ${url}`);
  }
  try {
    return (await res.json()) as StatusView;
  } catch (cause) {
    throw new StunnerctlError('STUNNERCTL_ERR_STATUS', `stunnerd ${label} sent no JSON status at ${url}`, { cause });
  }
}

/** Prints every reachable stunnerd's status; fails (after printing the rest) if any could not be read. */
export async function statusCommand(ctx: Context, gateway: string | undefined, o: PodOptions): Promise<void> {
  if (gateway !== undefined && ctx.namespace === undefined) {
    throw new StunnerctlError('STUNNERCTL_ERR_USAGE', 'a gateway name needs one namespace: use -n, not -a');
  }
  const targets = await ctx.stunnerds(o, gateway);
  const failures: StunnerctlError[] = [];
  for (const t of targets) {
    try {
      const s = await fetchStatus(t.address, t.label);
      ctx.printer.print(s, () => statusSummary(t.label, s));
    } catch (err) {
      if (!(err instanceof StunnerctlError) || targets.length === 1) throw err;
      ctx.log.error(err.message);
      failures.push(err);
    }
  }
  if (failures.length > 0) {
    throw new StunnerctlError(
      'STUNNERCTL_ERR_STATUS',
      `${failures.length} of ${targets.length} stunnerd status queries failed (see above)`,
    );
  }
}
