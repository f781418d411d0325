// One-shot reads of the config discovery API over HTTP (stunner-v1.md §1.6): one config, a
// namespace's or every namespace's list.
import { CdsError, causeMessage } from './cds-error.ts';
import { cdsAuthHeaders, cdsToken } from './cds-token.ts';
import { type ConfigSelector, cdsUrl, describeSelector, selectsOne } from './cds-url.ts';

export interface CdsReadOptions {
  /** Request limit, ms. Default 5000. */
  timeoutMs?: number;
  /** Bearer token for a CDS that requires one. Default: the file $STUNNER_CDS_TOKEN_FILE names, if set. */
  token?: string;
}

/** GET with a time limit; the body as text. Throws CDS_ERR_UNREACHABLE when nothing answers. */
export async function cdsGet(url: URL, options: CdsReadOptions = {}): Promise<{ status: number; text: string }> {
  const headers = cdsAuthHeaders(cdsToken(options.token));
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
    return { status: res.status, text: await res.text() };
  } catch (cause) {
    throw new CdsError(
      'CDS_ERR_UNREACHABLE',
      `cannot reach the config discovery service at ${url.host} (${causeMessage(cause)})`,
      url.toString(),
      { cause },
    );
  }
}

/** The body of a 200 answer for the selected configs; CDS_ERR_NOT_FOUND / CDS_ERR_STATUS otherwise. */
export async function fetchConfigText(
  base: URL | string,
  sel: ConfigSelector,
  options: CdsReadOptions = {},
): Promise<string> {
  const url = cdsUrl(base, sel, { watch: false });
  const { status, text } = await cdsGet(url, options);
  if (status === 404 && selectsOne(sel)) {
    throw new CdsError(
      'CDS_ERR_NOT_FOUND',
      `CDS ${url} answered 404: no config for ${describeSelector(sel)}`,
      url.toString(),
      {
        status,
      },
    );
  }
  if (status === 401) {
    throw new CdsError(
      'CDS_ERR_STATUS',
      `CDS ${url} answered 401: it requires a bearer token; set $STUNNER_CDS_TOKEN_FILE to the file holding it (a wrong token gets 401 too)`,
      url.toString(),
      { status },
    );
  }
  if (status !== 200) {
    throw new CdsError(
      'CDS_ERR_STATUS',
      `CDS ${url} answered ${status} for ${describeSelector(sel)}: ${text.slice(0, 200)}`,
      url.toString(),
      { status },
    );
  }
  return text;
}

/**
 * The selected configs as JSON values: one for a gateway, the `items` of the list otherwise (an empty
 * or `null` list is none). Validation of each config is the caller's.
 */
export async function fetchConfigs(
  base: URL | string,
  sel: ConfigSelector,
  options: CdsReadOptions = {},
): Promise<unknown[]> {
  const text = await fetchConfigText(base, sel, options);
  const url = cdsUrl(base, sel, { watch: false }).toString();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new CdsError('CDS_ERR_BODY', `the CDS answered ${describeSelector(sel)} with no JSON`, url, { cause });
  }
  if (selectsOne(sel)) return [body];
  const items = (body as { items?: unknown } | null)?.items;
  if (items === null) return [];
  if (!Array.isArray(items))
    throw new CdsError('CDS_ERR_BODY', `the CDS sent no config list for ${describeSelector(sel)}`, url);
  return items;
}
