// `stunnerctl license` (alias license-status): the CDS's /api/v1/license (stunner-v1.md §1.6, §1.15). Our
// operator serves the open-source tier: subscription "free", no premium features.
import type { CdsOptions, Context } from './context.ts';
import { licenseSummary } from './summary.ts';

export async function licenseCommand(ctx: Context, o: CdsOptions): Promise<void> {
  const cds = await ctx.cds(o);
  const license = await cds.license();
  ctx.printer.print(license, () => licenseSummary(license));
}
