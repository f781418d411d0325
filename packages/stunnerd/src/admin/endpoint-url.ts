/** Address and port of an admin HTTP endpoint such as `http://:8086` or `http://0.0.0.0:8080/metrics`. */
export interface HttpEndpoint {
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

/**
 * Reads an endpoint URL as STUNner does (stunner-v1.md §1.1): an empty host is every interface, the
 * port defaults to `defaultPort`, the path to `/`. Returns an error text when it is not such a URL.
 */
export function parseHttpEndpoint(url: string, defaultPort: number): HttpEndpoint | string {
  const m = /^(https?):\/\/(\[[^\]]*\]|[^/:]*)(?::(\d*))?(\/.*)?$/.exec(url);
  if (!m) return `"${url}" is not an http://host:port/path URL`;
  const host = (m[2] ?? '').replace(/^\[|\]$/g, '');
  const port = m[3] ? Number(m[3]) : defaultPort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `"${url}": port ${m[3]} is outside 0–65535`;
  return { host: host === '' ? '0.0.0.0' : host, port, path: m[4] ?? '/' };
}
