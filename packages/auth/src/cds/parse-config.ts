import { parseStunnerConfig, type StunnerConfig, StunnerConfigError, stunnerConfigSchema } from '@stunner/api';
import { parse as parseYaml } from 'yaml';

/**
 * Reads one stunnerd config the way the auth service needs it: STUNner's parse (env expansion sparing
 * credentials, defaults, validation), and when only the dataplane's checks fail (a listener address
 * such as `$STUNNER_ADDR` that is the stunnerd pod's own IP, unknown here) the schema alone, since a
 * URI falls back to `0.0.0.0` for such an address as in STUNner.
 */
export function parseAuthConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): StunnerConfig {
  try {
    return parseStunnerConfig(text, env);
  } catch (err) {
    if (!(err instanceof StunnerConfigError)) throw err;
    let raw: unknown;
    try {
      raw = parseYaml(text);
    } catch {
      throw err;
    }
    const lenient = stunnerConfigSchema.safeParse(raw);
    if (!lenient.success) throw err;
    return lenient.data;
  }
}

/** A document holding one stunnerd config or a CDS list `{"version":"v1","items":[...]}`. */
export function parseAuthConfigs(text: string, env?: Readonly<Record<string, string | undefined>>): StunnerConfig[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    raw = undefined;
  }
  if (typeof raw === 'object' && raw !== null && Array.isArray((raw as { items?: unknown }).items)) {
    return ((raw as { items: unknown[] }).items ?? []).map((item) => parseAuthConfig(JSON.stringify(item), env));
  }
  return [parseAuthConfig(text, env)];
}
