import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeSelfSignedCert, watchProcess } from '@stunner/testing';

describe('makeSelfSignedCert', () => {
  it('makes a certificate for localhost and 127.0.0.1', async () => {
    const cert = makeSelfSignedCert();
    assert.match(cert.cert, /BEGIN CERTIFICATE/);
    assert.match(cert.key, /PRIVATE KEY/);
    const p = watchProcess('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', cert.certPath]);
    await p.waitFor(/IP Address:127\.0\.0\.1/);
    assert.equal(await p.exited(), 0);
  });
});
