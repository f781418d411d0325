// Reading a stunnerd config document the way STUNner does (stunner-v1.md §1.1–1.3): YAML or JSON,
// environment expansion that spares the credentials, v1alpha1 conversion, defaults, normalisation
// and validation with errors that name the field.
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { parseClusterEndpoint } from './cluster-endpoint.ts';
import { DEFAULT_PORT, DEFAULT_REALM } from './constants.ts';
import { expandEnv } from './expand-env.ts';
import { type StunnerConfig, stunnerConfigSchema, zeroConfig } from './stunner-config.ts';

/** A config that cannot be used; `issues` name each field and what is wrong with it. */
export class StunnerConfigError extends Error {
  readonly code = 'STUNNER_ERR_INVALID_CONFIG';
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(`invalid stunnerd config: ${issues.join('; ')}`);
    this.name = 'StunnerConfigError';
    this.issues = issues;
  }
}

function parseDocument(text: string): unknown {
  try {
    return parseYaml(text);
  } catch (yamlError) {
    try {
      return JSON.parse(text);
    } catch {
      throw new StunnerConfigError([`not YAML or JSON: ${(yamlError as Error).message.split('\n')[0]}`]);
    }
  }
}

/**
 * Parses config text: `$VAR`/`${VAR}` are expanded from `env` except inside `auth.credentials`,
 * which keep their raw values so a `$` in a password survives (STUNner #102). When `STUNNER_PORT` is
 * unset or not a number it is taken as `STUNNER_PUBLIC_PORT`, else 3478 (§1.3 step 1).
 */
export function parseStunnerConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): StunnerConfig {
  const raw = parseDocument(text);
  const rawCredentials = isRecord(raw) && isRecord(raw.auth) ? raw.auth.credentials : undefined;
  const portEnv = { ...env };
  if (!/^\d+$/.test(portEnv.STUNNER_PORT ?? ''))
    portEnv.STUNNER_PORT = portEnv.STUNNER_PUBLIC_PORT ?? String(DEFAULT_PORT);
  const expanded = parseDocument(expandEnv(text, portEnv));
  if (isRecord(expanded) && isRecord(expanded.auth) && rawCredentials !== undefined) {
    expanded.auth.credentials = rawCredentials;
  }
  return validateStunnerConfig(expanded);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out || '(document)';
}

function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${issuePath(i.path)}: ${i.message}`);
}

/**
 * Validates a parsed config object: the schema (defaults and normalisation: protocols `TURN-*`, auth
 * type `static|ephemeral|none`, routes and endpoints sorted, negative quota 0), then the checks
 * STUNner makes at reconcile time.
 */
export function validateStunnerConfig(input: unknown): StunnerConfig {
  if (!isRecord(input))
    throw new StunnerConfigError(['(document): expected a mapping with version, admin, auth, listeners, clusters']);
  const version = input.version;
  if (version !== 'v1' && version !== 'v1alpha1') {
    throw new StunnerConfigError([`version: unsupported API version ${JSON.stringify(version)}; use "v1"`]);
  }
  const result = stunnerConfigSchema.safeParse(input);
  if (!result.success) throw new StunnerConfigError(zodIssues(result.error));
  const config = result.data;
  const issues: string[] = [];

  if (config.auth.realm === '') config.auth.realm = DEFAULT_REALM;
  if (config.admin.metrics_endpoint) checkEndpointUrl(config.admin.metrics_endpoint, 'admin.metrics_endpoint', issues);
  if (config.admin.healthcheck_endpoint) {
    checkEndpointUrl(config.admin.healthcheck_endpoint, 'admin.healthcheck_endpoint', issues);
  }

  const listenerNames = new Set<string>();
  config.listeners.forEach((l, i) => {
    const at = `listeners[${i}]`;
    if (listenerNames.has(l.name)) issues.push(`${at}.name: duplicate listener name "${l.name}"`);
    listenerNames.add(l.name);
    if (l.address !== 'localhost' && isIP(l.address) === 0) {
      issues.push(`${at}.address: "${l.address}" is not an IP address (the relayed address advertised to clients)`);
    }
    if (l.protocol === 'TURN-TLS' || l.protocol === 'TURN-DTLS') {
      for (const k of ['cert', 'key'] as const) {
        const v = l[k];
        if (!v)
          issues.push(
            `${at}.${k}: required for ${l.protocol} (base64 of a PEM ${k === 'cert' ? 'certificate' : 'private key'})`,
          );
        else if (!Buffer.from(v, 'base64').toString('utf8').includes('-----BEGIN ')) {
          issues.push(`${at}.${k}: not base64 of a PEM block`);
        }
      }
    }
  });

  const clusterNames = new Set<string>();
  config.clusters.forEach((c, i) => {
    const at = `clusters[${i}]`;
    if (clusterNames.has(c.name)) issues.push(`${at}.name: duplicate cluster name "${c.name}"`);
    clusterNames.add(c.name);
    if (c.type === 'STATIC') {
      c.endpoints.forEach((e, j) => {
        const parsed = parseClusterEndpoint(e);
        if (typeof parsed === 'string') issues.push(`${at}.endpoints[${j}]: ${parsed}`);
      });
    } else {
      c.endpoints.forEach((e, j) => {
        if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\.?$/.test(e)) {
          issues.push(`${at}.endpoints[${j}]: "${e}" is not a DNS name (STRICT_DNS clusters list names to resolve)`);
        }
      });
    }
  });

  if (issues.length > 0) throw new StunnerConfigError(issues);
  return config;
}

function checkEndpointUrl(value: string, field: string, issues: string[]): void {
  // Go's url.Parse accepts "http://:8086"; the WHATWG parser needs a host, so give it one to check the rest.
  try {
    new URL(value.replace('://:', '://0.0.0.0:'));
  } catch {
    issues.push(`${field}: "${value}" is not a URL such as http://:8080/metrics`);
  }
}

/**
 * Whether a config is the zero config of its own id, ignoring the log level (§1.3 IsZeroConfig). Compared
 * as Go's DeepEqual does, whatever the key order: STUNner's CDS writes the credentials map with sorted keys.
 */
export function isZeroStunnerConfig(config: StunnerConfig): boolean {
  const zero = validateStunnerConfig(zeroConfig(config.admin.name));
  const sorted = (_k: string, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v;
  const strip = (c: StunnerConfig) => JSON.stringify({ ...c, admin: { ...c.admin, loglevel: undefined } }, sorted);
  return strip(zero) === strip(config);
}
