// The config discovery API's URLs (stunner-v1.md §1.6): `/api/v1/configs[/<namespace>[/<name>]]`,
// `?watch=true` over WebSocket, `?node=` for one config as the stunnerd on that node gets it.

/** Which configs: one gateway (namespace and name), one namespace, or every namespace. */
export interface ConfigSelector {
  /** Undefined: every namespace. */
  namespace?: string;
  /** Needs `namespace`. */
  name?: string;
  /** `?node=`: the config as a stunnerd on that node gets it (relay address patch); one config only. */
  node?: string;
}

/** `<namespace>/<name>` (a stunnerd `--id`, a Gateway) as a selector of one config. */
export function selectorOf(id: string, node?: string): ConfigSelector {
  const [namespace, name] = id.split('/');
  return { namespace: namespace ?? '', name: name ?? '', ...(node ? { node } : {}) };
}

/** Whether the selector names one config (the answer is a config, not a list). */
export function selectsOne(sel: ConfigSelector): boolean {
  return sel.namespace !== undefined && sel.name !== undefined;
}

export function describeSelector(sel: ConfigSelector): string {
  if (sel.namespace === undefined) return 'all namespaces';
  return sel.name === undefined ? `namespace ${sel.namespace}` : `gateway ${sel.namespace}/${sel.name}`;
}

/**
 * The CDS URL of the selected configs: HTTP(S) for a read, WS(S) for a watch. `base` is the CDS
 * address in any of the schemes http, https, ws, wss; its path and query are replaced.
 */
export function cdsUrl(base: URL | string, sel: ConfigSelector, options: { watch: boolean }): URL {
  const url = new URL(base);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  url.protocol = options.watch ? (secure ? 'wss:' : 'ws:') : secure ? 'https:' : 'http:';
  let path = '/api/v1/configs';
  if (sel.namespace !== undefined) path += `/${encodeURIComponent(sel.namespace)}`;
  if (selectsOne(sel)) path += `/${encodeURIComponent(sel.name as string)}`;
  url.pathname = path;
  url.search = '';
  if (options.watch) url.searchParams.set('watch', 'true');
  if (sel.node && selectsOne(sel)) url.searchParams.set('node', sel.node);
  return url;
}
