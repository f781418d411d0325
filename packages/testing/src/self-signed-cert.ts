import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSignedCert {
  /** Paths of the PEM files, for programs such as coturn's `--cert`/`--pkey`. */
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

export interface SelfSignedCertOptions {
  /** Subject common name. Default `localhost`. */
  commonName?: string;
  /** Subject alternative names, e.g. `['DNS:localhost', 'IP:127.0.0.1']`. Default both of those. */
  altNames?: string[];
  /** Directory to write into. Default a new temporary directory. */
  dir?: string;
  /** Key algorithm: RSA-2048 or ECDSA P-256. Default 'rsa'. */
  keyType?: 'rsa' | 'ecdsa';
}

/** A fresh self-signed certificate (RSA-2048 or ECDSA P-256) made with `openssl req -x509`, valid for 2 days. */
export function makeSelfSignedCert(options: SelfSignedCertOptions = {}): SelfSignedCert {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'stunner-cert-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const altNames = options.altNames ?? ['DNS:localhost', 'IP:127.0.0.1'];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...(options.keyType === 'ecdsa'
        ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
        : ['-newkey', 'rsa:2048']),
      '-nodes',
      '-days',
      '2',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-subj',
      `/CN=${options.commonName ?? 'localhost'}`,
      '-addext',
      `subjectAltName=${altNames.join(',')}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}
