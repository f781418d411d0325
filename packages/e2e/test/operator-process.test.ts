// `npm run operator` as a process: flags, kubeconfig, probes, metrics, CDS, and a clean SIGTERM exit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { type ControlPlane, freePort, startControlPlane, waitUntil } from '@stunner/testing';
import { OPERATOR, quickstart, quickstartNamespaces } from './support/harness.ts';

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane();
  await cp.apply(quickstartNamespaces('proc'));
  await cp.apply(quickstart('proc', 'proc-class'));
});
after(() => cp?.stop());

test('the operator process serves probes, metrics and configs, and exits 0 on SIGTERM', async () => {
  const [cdsPort, metricsPort, healthPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      OPERATOR,
      `--kubeconfig=${cp.kubeconfigPath}`,
      `--config-discovery-address=127.0.0.1:${cdsPort}`,
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      '--throttle-timeout=20ms',
      '--zap-log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = once(child, 'exit');
  try {
    await waitUntil(
      '/readyz 200',
      async () => {
        if (child.exitCode !== null) throw new Error(`operator exited: ${stderr}`);
        return (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200 ? true : undefined;
      },
      20_000,
    );
    assert.equal((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status, 200);
    const cfg = await waitUntil(
      'config served',
      async () => {
        const res = await fetch(`http://127.0.0.1:${cdsPort}/api/v1/configs/proc/udp-gateway`);
        return res.status === 200 ? ((await res.json()) as { listeners: { name: string }[] }) : undefined;
      },
      10_000,
    );
    assert.equal(cfg.listeners[0]?.name, 'proc/udp-gateway/udp-listener');
    // The CDS publishes a render before the updater's writes land: wait for the Service's create to be
    // counted at all, then check it was counted exactly once.
    const metrics = await waitUntil(
      'the Service create counted in /metrics',
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        return /kind="Service",operation="create"\} \d/.test(text) ? text : undefined;
      },
      10_000,
    );
    assert.match(metrics, /^stunner_gateway_operator_render_total [1-9]/m);
    assert.match(
      metrics,
      /^stunner_gateway_operator_resource_operations_total\{scope="managed",kind="Service",operation="create"\} 1$/m,
    );
  } finally {
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, stderr);
  }
});
