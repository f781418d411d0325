import { DEFAULT_CDS_PORT } from '@stunner/api';
import { StunnerdError } from '../errors.ts';

/** Where stunnerd reads its config from (stunner-v1.md §1.4 `-c`). */
export type ConfigOrigin = { kind: 'file'; path: string } | { kind: 'cds'; base: URL; warning?: string };

/** An origin stunnerd cannot use; the message says what to give instead. */
const originError = (message: string) => new StunnerdError('STUNNER_ERR_CONFIG_ORIGIN', message);

/**
 * Reads a `-c` value: `file://<path>`; `http(s)://` or `ws(s)://` CDS URLs; `IP:port` or `:port`.
 * As in STUNner, anything without a scheme is an HTTP address, so a bare path is not a file.
 */
export function parseConfigOrigin(origin: string): ConfigOrigin {
  const text = origin.trim();
  if (text === '') return parseConfigOrigin(`:${DEFAULT_CDS_PORT}`);
  if (text === 'k8s') {
    throw originError(
      'config origin "k8s" (CDS discovery through the Kubernetes API) is not supported; give the CDS address, e.g. -c http://stunner-config-discovery.stunner-system:13478',
    );
  }
  if (text.startsWith('file://')) {
    const path = text.slice('file://'.length);
    if (path === '') throw originError('config origin "file://" names no file; use file:///path/to/stunnerd.conf');
    return { kind: 'file', path };
  }
  if (text.startsWith('/') || text.startsWith('.')) {
    // STUNner reads a bare path as an HTTP address with no host: the default CDS.
    return {
      kind: 'cds',
      base: new URL(`http://127.0.0.1:${DEFAULT_CDS_PORT}`),
      warning: `config origin "${origin}" has no scheme and is read as the CDS at 127.0.0.1:${DEFAULT_CDS_PORT}; write file://${text} for a file`,
    };
  }
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `http://${text.startsWith(':') ? `0.0.0.0${text}` : text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw originError(`config origin "${origin}" is not a file:// path, an http(s)/ws(s) URL or an IP:port`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!['http', 'https', 'ws', 'wss'].includes(scheme)) {
    throw originError(`config origin "${origin}": scheme ${scheme} is not file, http(s) or ws(s)`);
  }
  if (url.port === '') url.port = String(DEFAULT_CDS_PORT);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  return { kind: 'cds', base: url };
}
