import type { StunnerConfig } from '@stunner/api';

const REDACTED = '<redacted>';

/**
 * A config fit to show on `/status` or in logs: credential values, certificates and private keys are
 * replaced (STUNner's `/status` shows them; anyone reaching the health port would read them). The
 * credential keys stay, so an operator still sees which are set.
 */
export function redactConfig(config: StunnerConfig): StunnerConfig {
  return {
    ...config,
    admin: {
      ...config.admin,
      ...(config.admin.license_config ? { license_config: { key: REDACTED, hmac: REDACTED } } : {}),
    },
    auth: {
      ...config.auth,
      credentials: Object.fromEntries(
        Object.entries(config.auth.credentials).map(([k, v]) => [k, k === 'username' ? v : REDACTED]),
      ),
    },
    listeners: config.listeners.map((l) => ({
      ...l,
      ...(l.cert ? { cert: REDACTED } : {}),
      ...(l.key ? { key: REDACTED } : {}),
    })),
  };
}
