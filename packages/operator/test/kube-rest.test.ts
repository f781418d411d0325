import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { isNotFound, KubeApiError, KubeRest } from '../src/kube/kube-rest.ts';

function kubeconfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server, skipTLSVerify: true }],
    users: [{ name: 'test' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
    currentContext: 'test',
  });
  return kc;
}

describe('KubeRest errors carry OPERATOR_ERR_* codes', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', reason: 'NotFound', message: 'leases "x" not found' }));
      } else if (req.url === '/html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>not an apiserver</html>');
      }
      // '/silent': never answers.
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('a kubeconfig without a current cluster', () => {
    assert.throws(() => new KubeRest(new KubeConfig()), {
      name: 'OperatorError',
      code: 'OPERATOR_ERR_KUBECONFIG',
      message: /set a current-context/,
    });
  });

  it('a cluster server that is not a URL', () => {
    assert.throws(() => new KubeRest(kubeconfig('apiserver:6443')), {
      code: 'OPERATOR_ERR_KUBECONFIG',
      message: /cluster test: server "apiserver:6443" is not an http\(s\) URL/,
    });
  });

  it('a non-2xx answer is a KubeApiError with the apiserver status and reason', async () => {
    const err = await new KubeRest(kubeconfig(base)).get('/missing').then(
      () => assert.fail('expected a 404'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof KubeApiError);
    assert.equal(err.code, 'OPERATOR_ERR_KUBE_API');
    assert.equal(err.status, 404);
    assert.equal(err.reason, 'NotFound');
    assert.equal(err.message, 'GET /missing: 404 leases "x" not found');
    assert.ok(isNotFound(err));
  });

  it('a 2xx answer that is not JSON', async () => {
    await assert.rejects(new KubeRest(kubeconfig(base)).get('/html'), {
      code: 'OPERATOR_ERR_KUBE_BAD_RESPONSE',
      message: /GET \/html: 200 with a body that is not JSON/,
    });
  });

  it('no answer within the timeout', async () => {
    await assert.rejects(new KubeRest(kubeconfig(base), 50).get('/silent'), {
      code: 'OPERATOR_ERR_KUBE_TIMEOUT',
      message: /GET \/silent: no answer from 127\.0\.0\.1:\d+ in 50 ms/,
    });
  });
});
