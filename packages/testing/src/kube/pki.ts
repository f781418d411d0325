// Certificates and keys for a loopback control plane, made with openssl: a CA, the apiserver's serving
// certificate (SANs 127.0.0.1, ::1, localhost), and the service-account signing key pair.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ControlPlanePki {
  caCert: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  tokenFile: string;
  /** Bearer token of the admin user (group system:masters). */
  adminToken: string;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

export function makePki(dir: string): ControlPlanePki {
  const p = (f: string) => join(dir, f);
  openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=stunner-test-ca',
    ]),
    dir,
  );
  writeFileSync(
    p('serving.ext'),
    'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
      '-keyout',
      'serving.key',
      '-out',
      'serving.csr',
      '-subj',
      '/CN=kube-apiserver',
    ]),
    dir,
  );
  openssl(
    ['x509', '-req', '-in', 'serving.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
      '-out',
      'serving.crt',
      '-days',
      '2',
      '-extfile',
      'serving.ext',
    ]),
    dir,
  );
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key'], dir);
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  const adminToken = randomBytes(24).toString('hex');
  writeFileSync(p('tokens.csv'), `${adminToken},admin,admin-uid,system:masters\n`, { mode: 0o600 });
  return {
    caCert: p('ca.crt'),
    servingCert: p('serving.crt'),
    servingKey: p('serving.key'),
    serviceAccountKey: p('sa.key'),
    serviceAccountPub: p('sa.pub'),
    tokenFile: p('tokens.csv'),
    adminToken,
  };
}
