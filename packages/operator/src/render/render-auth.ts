// The `auth` section of a config from a GatewayConfig (§2.4–2.5): the authRef Secret overrides the inline
// settings; aliases normalise to static/ephemeral.
import { type AuthConfig, type GatewayConfig, normalizeAuthType } from '@stunner/api';
import type { ObjectIndex } from './object-index.ts';
import { key } from './object-index.ts';
import { ERR, objectId, type RenderIssue } from './render-issue.ts';
import { secretValue } from './secret-data.ts';

export type AuthResult = { auth: AuthConfig; issue?: undefined } | { auth?: undefined; issue: RenderIssue };

interface AuthSettings {
  type: string;
  username?: string | undefined;
  password?: string | undefined;
  secret?: string | undefined;
  field: string;
}

export function renderAuth(gc: GatewayConfig, idx: ObjectIndex): AuthResult {
  const object = objectId('GatewayConfig', gc.metadata);
  let settings: AuthSettings;
  const ref = gc.spec.authRef;
  if (ref) {
    if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') {
      return {
        issue: {
          code: ERR.INVALID_AUTH,
          object,
          field: 'spec.authRef',
          message: 'authRef must refer to a core Secret',
        },
      };
    }
    const ns = ref.namespace ?? gc.metadata.namespace;
    const secret = idx.secrets.get(key(ns, ref.name));
    if (!secret) {
      return {
        issue: {
          code: ERR.AUTH_SECRET_NOT_FOUND,
          object,
          field: 'spec.authRef',
          message: `Secret ${ns}/${ref.name} not found: create it or fix spec.authRef`,
        },
      };
    }
    settings = {
      type: secretValue(secret, 'type') ?? 'static',
      username: secretValue(secret, 'username'),
      password: secretValue(secret, 'password'),
      secret: secretValue(secret, 'secret') ?? secretValue(secret, 'sharedSecret'),
      field: `Secret ${ns}/${ref.name}`,
    };
  } else {
    settings = {
      type: gc.spec.authType,
      username: gc.spec.userName,
      password: gc.spec.password,
      secret: gc.spec.sharedSecret,
      field: 'spec',
    };
  }
  const type = normalizeAuthType(settings.type);
  if (!type) {
    return {
      issue: {
        code: ERR.INVALID_AUTH,
        object,
        field: ref ? 'spec.authRef' : 'spec.authType',
        message: `unknown auth type "${settings.type}": use static or ephemeral`,
      },
    };
  }
  const realm = gc.spec.realm;
  if (type === 'static') {
    if (!settings.username || !settings.password) {
      return {
        issue: {
          code: ERR.INVALID_AUTH,
          object,
          field: ref ? 'spec.authRef' : 'spec.userName',
          message: `static auth needs a username and a password (${settings.field})`,
        },
      };
    }
    return { auth: { type, realm, credentials: { username: settings.username, password: settings.password } } };
  }
  if (type === 'ephemeral') {
    if (!settings.secret) {
      return {
        issue: {
          code: ERR.INVALID_AUTH,
          object,
          field: ref ? 'spec.authRef' : 'spec.sharedSecret',
          message: `ephemeral auth needs a shared secret (${settings.field})`,
        },
      };
    }
    return { auth: { type, realm, credentials: { secret: settings.secret } } };
  }
  return { auth: { type, realm, credentials: {} } };
}
