import type { AuthConfig } from '@stunner/api';
import type { AuthOptions } from '@stunner/turn';

/** The engine's auth options from a validated config's `auth` (stunner-v1.md §1.9). */
export function authOptions(auth: AuthConfig): AuthOptions {
  switch (auth.type) {
    case 'static':
      return {
        type: 'static',
        realm: auth.realm,
        username: auth.credentials.username ?? '',
        password: auth.credentials.password ?? '',
      };
    case 'ephemeral':
      return { type: 'ephemeral', realm: auth.realm, secret: auth.credentials.secret ?? '' };
    default:
      return { type: 'none', realm: auth.realm };
  }
}
