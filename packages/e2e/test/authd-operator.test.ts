// authd follows the operator's CDS on a real kube-apiserver (packages/testing): a new Gateway's
// listener appears in /ice, a deleted Gateway disappears, and the GatewayConfig's ephemeral secret
// makes the credentials (issue 12 tests; stunner-v1.md §1.6, §2.5, §3).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fetchIceConfig, type IceConfig } from '@stunner/auth';
import type { RunningOperator } from '@stunner/operator/runtime';
import {
  type ApplyObject,
  type ControlPlane,
  startControlPlane,
  type WatchedProcess,
  waitUntil,
} from '@stunner/testing';
import { startAuthd } from '../../auth/test/support/authd-process.ts';
import { exposeGateway, startTestOperator, stunnerClass } from './support/harness.ts';

const GW = 'gateway.networking.k8s.io';
const NS = 'stunner';
const SECRET = 'operator-shared-secret';

const gateway = (name: string, protocol: 'UDP' | 'TCP', port: number): ApplyObject => ({
  apiVersion: `${GW}/v1`,
  kind: 'Gateway',
  metadata: { name, namespace: NS },
  spec: { gatewayClassName: 'stunner-gatewayclass', listeners: [{ name: `${name}-listener`, port, protocol }] },
});

describe('authd following the operator CDS on a real apiserver', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  let op: RunningOperator;
  let authd: { proc: WatchedProcess; base: string };

  before(async () => {
    cp = await startControlPlane();
    op = await startTestOperator(cp);
    authd = await startAuthd([`--cds-server-address=127.0.0.1:${op.cdsAddress.port}`, '--probes']);
    await cp.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      ...stunnerClass(NS, { authType: 'ephemeral', sharedSecret: SECRET }),
      gateway('udp-gateway', 'UDP', 3478),
    ]);
  });

  after(async () => {
    await authd?.proc.stop();
    await op?.stop();
    await cp?.stop();
  });

  const ice = async (query: { namespace?: string; gateway?: string } = {}): Promise<IceConfig | undefined> => {
    try {
      return await fetchIceConfig(authd.base, { ...query, username: 'erin' });
    } catch {
      return undefined;
    }
  };

  it("a new Gateway's listener appears in /ice with ephemeral credentials from the GatewayConfig", async () => {
    // The test plays the cloud's load balancer: the public address comes from the Service status.
    await exposeGateway(cp, NS, 'udp-gateway', '192.0.2.10');
    const config = await waitUntil(
      'udp-gateway in /ice with its public address',
      async () => {
        const c = await ice();
        return c?.iceServers.some((s) => s.urls.includes('turn:192.0.2.10:3478?transport=udp')) ? c : undefined;
      },
      20_000,
      200,
    );
    const server = config.iceServers[0]!;
    assert.match(server.username, /^\d+:erin$/);
    assert.equal(server.credential, createHmac('sha1', SECRET).update(server.username).digest('base64'));
    assert.equal((await fetch(`${authd.base}/ready`)).status, 200);

    await cp.apply([gateway('tcp-gateway', 'TCP', 3479)]);
    await waitUntil(
      'tcp-gateway in /ice',
      async () =>
        (await ice({ namespace: NS, gateway: 'tcp-gateway' }))?.iceServers[0]?.urls[0]?.endsWith(':3479?transport=tcp')
          ? true
          : undefined,
      20_000,
      200,
    );
    assert.equal((await ice())?.iceServers.length, 2);
  });

  it('a deleted Gateway disappears from /ice', async () => {
    await cp.request('DELETE', `/apis/${GW}/v1/namespaces/${NS}/gateways/tcp-gateway`);
    await waitUntil(
      'tcp-gateway gone (404)',
      async () => {
        const res = await fetch(`${authd.base}/ice?service=turn&namespace=${NS}&gateway=tcp-gateway`);
        return res.status === 404 ? true : undefined;
      },
      20_000,
      200,
    );
    const left = await ice();
    assert.deepEqual(
      left?.iceServers.map((s) => s.urls),
      [['turn:192.0.2.10:3478?transport=udp']],
    );
  });
});
