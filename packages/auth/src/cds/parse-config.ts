import {
  expandEnv,
  parseStunnerConfig,
  type StunnerConfig,
  StunnerConfigError,
  stunnerConfigSchema,
} from '@stunner/api';
import { parse as parseYaml } from 'yaml';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads one stunnerd config the way the auth service needs it: STUNner's parse (env expansion sparing
 * the credentials, defaults, validation), and when only the dataplane's own checks fail (a listener
 * address such as `$STUNNER_ADDR`, the stunnerd pod's IP, unknown here; TLS keys authd never reads)
 * the same expansion and the schema alone: a URI falls back to `0.0.0.0` for such an address, as in
 * STUNner, whose auth service does not run the dataplane's checks either.
 */
export function parseAuthConfig(text: string, env: Env = process.env): StunnerConfig {
  try {
    return parseStunnerConfig(text, env);
  } catch (err) {
    if (!(err instanceof StunnerConfigError)) throw err;
    let doc: unknown;
    try {
      const raw = parseYaml(text) as { auth?: { credentials?: unknown } } | null;
      doc = parseYaml(expandEnv(text, env));
      const auth = (doc as { auth?: { credentials?: unknown } } | null)?.auth;
      if (auth && raw?.auth && raw.auth.credentials !== undefined) auth.credentials = raw.auth.credentials;
    } catch {
      throw err;
    }
    const lenient = stunnerConfigSchema.safeParse(doc);
    if (!lenient.success) throw err;
    return lenient.data;
  }
}

/** A document holding one stunnerd config or a CDS list `{"version":"v1","items":[...]}`. */
export function parseAuthConfigs(text: string, env?: Env): StunnerConfig[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    raw = undefined;
  }
  if (typeof raw === 'object' && raw !== null && Array.isArray((raw as { items?: unknown }).items)) {
    return (raw as { items: unknown[] }).items.map((item) => parseAuthConfig(JSON.stringify(item), env));
  }
  return [parseAuthConfig(text, env)];
}
