// deploy/monitoring/grafana-dashboard.json queries only metrics our programs export: stunnerd's are
// scraped here from a running stunnerd; the operator's from the running operator in
// operator-rbac-k8s.test.ts.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort, freeUdpPortPair, waitUntil } from '@stunner/testing';
import { dashboardMetrics, exportedSeries, loadDashboard, promqlMetricNames, repoRoot } from '../src/index.ts';

const OPERATOR_PREFIX = 'stunner_gateway_operator_';
const dir = mkdtempSync(join(tmpdir(), 'stunner-dashboard-'));
let daemon: ChildProcess | undefined;
after(() => {
  daemon?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('PromQL metric extraction skips functions, keywords, labels, ranges and numbers', () => {
  assert.deepEqual(
    promqlMetricNames(
      '8 * sum by (name, direction) (rate(stunner_listener_bytes_total{namespace=~"$namespace", x="a{b}"}[$__rate_interval]))',
    ),
    ['stunner_listener_bytes_total'],
  );
  assert.deepEqual(
    promqlMetricNames('histogram_quantile(0.99, sum by (le) (rate(a_bucket[5m]))) / on (pod) group_left b'),
    ['a_bucket', 'b'],
  );
});

test('the dashboard shows allocations, listener and cluster traffic and the operator render latency', () => {
  const d = loadDashboard();
  const used = [...dashboardMetrics(d).keys()];
  for (const m of [
    'stunner_allocations_active',
    'stunner_listener_packets_total',
    'stunner_listener_bytes_total',
    'stunner_cluster_packets_total',
    'stunner_cluster_bytes_total',
    'stunner_gateway_operator_render_time_seconds_bucket',
  ]) {
    assert.ok(used.includes(m), `the dashboard queries ${m}`);
  }
  const ids = d.panels.map((p) => (p as { id: number }).id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
});

test('every dataplane metric the dashboard queries is one a running stunnerd exports', async () => {
  const [turnPort, metricsPort, healthPort] = [await freeUdpPortPair(), await freePort(), await freePort()];
  const config = join(dir, 'stunnerd.json');
  writeFileSync(
    config,
    JSON.stringify({
      version: 'v1',
      admin: {
        name: 'dash/gw',
        metrics_endpoint: `http://127.0.0.1:${metricsPort}/metrics`,
        healthcheck_endpoint: `http://127.0.0.1:${healthPort}`,
      },
      auth: { type: 'static', realm: 'stunner.l7mp.io', credentials: { username: 'user', password: 'pass' } },
      listeners: [
        { name: 'dash/gw/udp', protocol: 'TURN-UDP', address: '127.0.0.1', port: turnPort, routes: ['dash/media'] },
      ],
      clusters: [{ name: 'dash/media', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
    }),
  );
  daemon = spawn(process.execPath, [join(repoRoot, 'packages/stunnerd/src/main.ts'), '-c', `file://${config}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  daemon.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exposition = await waitUntil(
    'stunnerd /metrics',
    async () => {
      if (daemon!.exitCode !== null) throw new Error(`stunnerd exited: ${stderr}`);
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      return res.status === 200 ? res.text() : undefined;
    },
    20_000,
  );
  const exported = exportedSeries(exposition);
  assert.ok(exported.has('stunner_allocations_active'), 'the scrape is stunnerd');
  const missing = [...dashboardMetrics(loadDashboard())]
    .filter(([name]) => !name.startsWith(OPERATOR_PREFIX) && !exported.has(name))
    .map(([name, where]) => `${name} (${where.join(', ')})`);
  assert.deepEqual(missing, [], 'queried but not exported by stunnerd');
});
