// `stunnerctl auth [gateway]` (alias get-credential): asks authd (stunner-v1.md §3) for an ICE config
// (`/ice`) or, with --auth-turn-credential, a TURN credential (`/`), for -n's gateways or one of them.

import { type AuthOptions, authHeaders, type Context } from './context.ts';
import { causeMessage, StunnerctlError } from './errors.ts';
import { type IceView, iceSummary, type TurnCredentialView, turnCredentialSummary } from './summary.ts';

export interface AuthCommandOptions extends AuthOptions {
  authTurnCredential?: boolean;
  username?: string;
}

export function authQueryUrl(
  base: string,
  ns: string | undefined,
  gateway: string | undefined,
  o: AuthCommandOptions,
): string {
  const url = new URL(o.authTurnCredential ? '/' : '/ice', `${base}/`);
  url.searchParams.set('service', 'turn');
  if (o.username) url.searchParams.set('username', o.username);
  if (ns !== undefined) url.searchParams.set('namespace', ns);
  if (gateway !== undefined) url.searchParams.set('gateway', gateway);
  return url.toString();
}

export async function authCommand(ctx: Context, gateway: string | undefined, o: AuthCommandOptions): Promise<void> {
  // Like STUNner's: without -n every gateway's listeners (a gateway name alone means namespace default).
  const ns = ctx.options.allNamespaces
    ? undefined
    : (ctx.options.namespace ?? (gateway !== undefined ? 'default' : undefined));
  if (gateway !== undefined && ns === undefined) {
    throw new StunnerctlError('STUNNERCTL_ERR_USAGE', 'a gateway name needs one namespace: use -n, not -a');
  }
  const base = await ctx.auth(o);
  const url = authQueryUrl(base, ns, gateway, o);
  ctx.log.debug('querying the auth service', { url });
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders(o), signal: AbortSignal.timeout(5000) });
  } catch (cause) {
    throw new StunnerctlError(
      'STUNNERCTL_ERR_AUTH',
      `cannot reach the auth service at ${new URL(url).host} (${causeMessage(cause)}): check --auth-server-address, or the authd pod when discovering through Kubernetes`,
      { cause },
    );
  }
  const text = await res.text();
  if (res.status !== 200) {
    let message = text.trim().slice(0, 200);
    try {
      const body = JSON.parse(text) as { message?: string; error?: string };
      message = body.message ?? body.error ?? message;
    } catch {
      // a plain-text error
    }
    const code = res.status === 404 ? 'STUNNERCTL_ERR_NOT_FOUND' : 'STUNNERCTL_ERR_AUTH';
    throw new StunnerctlError(
      code,
      `the auth service answered ${res.status} for ${gateway !== undefined ? `gateway ${ns}/${gateway}` : ns !== undefined ? `namespace ${ns}` : 'all namespaces'}: ${message}${res.status === 401 ? ' (give its token with --auth-token)' : ''}`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new StunnerctlError('STUNNERCTL_ERR_AUTH', `the auth service sent no JSON from ${url}`, { cause });
  }
  ctx.printer.print(body, () =>
    o.authTurnCredential ? turnCredentialSummary(body as TurnCredentialView) : iceSummary(body as IceView),
  );
}
