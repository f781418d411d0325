// `stunnerctl config [gateway]` (alias stunner-config): the stunnerd configs the CDS serves for one
// gateway, a namespace, or every namespace (-a); `-w` follows changes; `--node` shows a config as the
// stunnerd on that node gets it (stunner-v1.md §1.6, §4).
import type { ConfigSelector } from './cds-client.ts';
import type { CdsOptions, Context } from './context.ts';
import { StunnerctlError } from './errors.ts';
import { type ConfigView, configSummary, isDeletedConfig } from './summary.ts';

export interface ConfigOptions extends CdsOptions {
  watch?: boolean;
  node?: string;
}

export function configSelector(ctx: Context, gateway: string | undefined, node?: string): ConfigSelector {
  const ns = ctx.namespace;
  if (gateway !== undefined && ns === undefined) {
    throw new StunnerctlError('STUNNERCTL_ERR_USAGE', 'a gateway name needs one namespace: use -n, not -a');
  }
  if (node && gateway === undefined) {
    throw new StunnerctlError(
      'STUNNERCTL_ERR_USAGE',
      '--node needs a gateway name: stunnerctl config <gateway> --node <node>',
    );
  }
  return {
    ...(ns !== undefined ? { namespace: ns } : {}),
    ...(gateway !== undefined ? { name: gateway } : {}),
    ...(node ? { node } : {}),
  };
}

function show(ctx: Context, c: ConfigView): void {
  if (isDeletedConfig(c) && ctx.format.kind !== 'json' && ctx.format.kind !== 'yaml') {
    ctx.printer.note(`Gateway: ${c.admin?.name ?? '<none>'} <deleted>`);
    return;
  }
  ctx.printer.print(c, () => configSummary(c));
}

export async function configCommand(
  ctx: Context,
  gateway: string | undefined,
  o: ConfigOptions,
  signal: AbortSignal,
): Promise<void> {
  const sel = configSelector(ctx, gateway, o.node);
  const cds = await ctx.cds(o);
  if (o.watch) {
    await cds.watch(sel, (c) => show(ctx, c), signal, ctx.loggers.getLogger('cds-client'));
    return;
  }
  const configs = await cds.getConfigs(sel);
  if (configs.length === 0 && ctx.format.kind === 'summary') {
    ctx.io.stderr(
      `No gateway configs found in ${sel.namespace === undefined ? 'any namespace' : `namespace ${sel.namespace}`}\n`,
    );
  }
  for (const c of configs) show(ctx, c);
}
