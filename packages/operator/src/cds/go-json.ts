// STUNner's CDS server is Go, and its bytes are encoding/json's (reference/stunner-v1.md §1.6): struct fields
// in declaration order (pkg/apis/v1), `omitempty` fields left out when zero, map keys sorted, and <, >, &,
// U+2028 and U+2029 escaped. HTTP answers come from json.Encoder, which appends a newline; WebSocket frames
// from json.Marshal, which does not. Serializing the same way makes a config served here byte-identical to
// the one STUNner's operator serves for the same world, so either dataplane can follow either operator and
// a recorded STUNner answer can be compared with ours as bytes.
import type { AdminConfig, AuthConfig, ClusterConfig, ListenerConfig, StunnerConfig } from '@stunner/api';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** `omitempty`: Go drops "", 0, false, nil and empty slices/maps. */
function put(out: Record<string, Json>, key: string, value: Json | undefined, omitEmpty: boolean): void {
  if (value === undefined) return;
  if (omitEmpty && (value === '' || value === 0 || value === false || value === null)) return;
  if (omitEmpty && Array.isArray(value) && value.length === 0) return;
  out[key] = value;
}

/** A Go map[string]string: keys in byte order. */
function sortedMap(m: Record<string, string> | undefined): Json {
  if (!m) return null;
  const out: Record<string, Json> = {};
  for (const k of Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = m[k]!;
  return out;
}

function admin(a: AdminConfig): Json {
  const o: Record<string, Json> = {};
  put(o, 'name', a.name, true);
  put(o, 'loglevel', a.loglevel, true);
  put(o, 'metrics_endpoint', a.metrics_endpoint, true);
  // A *string: nil is left out, a pointer to "" (health server off) is written.
  put(o, 'healthcheck_endpoint', a.healthcheck_endpoint ?? undefined, false);
  put(o, 'user_quota', a.user_quota, true);
  put(o, 'offload_engine', a.offload_engine, true);
  put(o, 'offload_interfaces', a.offload_interfaces, true);
  if (a.license_config) o.license_config = { key: a.license_config.key ?? '', hmac: a.license_config.hmac ?? '' };
  return o;
}

function auth(a: AuthConfig): Json {
  const o: Record<string, Json> = {};
  put(o, 'type', a.type, true);
  put(o, 'realm', a.realm, true);
  o.credentials = sortedMap(a.credentials);
  return o;
}

function listener(l: ListenerConfig): Json {
  const o: Record<string, Json> = {};
  put(o, 'name', l.name, true);
  put(o, 'protocol', l.protocol, true);
  put(o, 'public_address', l.public_address, true);
  put(o, 'public_port', l.public_port, true);
  put(o, 'address', l.address, true);
  put(o, 'port', l.port, true);
  put(o, 'cert', l.cert, true);
  put(o, 'key', l.key, true);
  put(o, 'routes', l.routes, true);
  return o;
}

function cluster(c: ClusterConfig): Json {
  const o: Record<string, Json> = { name: c.name };
  put(o, 'type', c.type, true);
  put(o, 'protocol', c.protocol, true);
  put(o, 'endpoints', c.endpoints, true);
  return o;
}

/** The StunnerConfig as Go's struct: version, admin, auth, listeners, clusters. */
function config(c: StunnerConfig): Json {
  return {
    version: c.version,
    admin: admin(c.admin),
    auth: auth(c.auth),
    listeners: c.listeners.map(listener),
    clusters: c.clusters.map(cluster),
  };
}

/** JSON.stringify plus the escapes encoding/json adds (its default HTML-safe mode). */
function marshal(v: Json): string {
  return JSON.stringify(v).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** json.Marshal(config): a WebSocket watch frame. */
export function marshalConfig(c: StunnerConfig): string {
  return marshal(config(c));
}

/** json.NewEncoder(w).Encode(config): a single-config HTTP answer. */
export function encodeConfig(c: StunnerConfig): string {
  return `${marshal(config(c))}\n`;
}

/** The list answer, oapi-codegen's V1ConfigList (fields in name order: items, version). */
export function encodeConfigList(items: readonly StunnerConfig[]): string {
  return `${marshal({ items: items.map(config), version: 'v1' })}\n`;
}

/** An error answer, V1Error {code, message}. */
export function encodeError(code: number, message: string): string {
  return `${marshal({ code, message })}\n`;
}

/** Any other JSON answer (the license status), through json.Encoder. */
export function encodeJson(v: Json): string {
  return `${marshal(v)}\n`;
}
