// The operator program as a container's PID 1 stops on SIGTERM while it still starts: the kernel gives
// PID 1 no default action for a signal it does not handle, so the handlers must be in place before the
// first await (here: the API server accepts connections and never answers).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, waitUntil, watchAsPid1 } from '@stunner/testing';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'operator-signals-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('SIGTERM while the API server does not answer: the operator, PID 1, exits at once with 143', async () => {
  const held: Socket[] = [];
  const apiserver = createServer((s) => held.push(s));
  await new Promise<void>((r) => apiserver.listen(0, '127.0.0.1', r));
  const port = (apiserver.address() as { port: number }).port;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 'unused' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  const p = watchAsPid1(process.execPath, [
    MAIN,
    `--kubeconfig=${kubeconfig}`,
    `--config-discovery-address=127.0.0.1:${await freePort()}`,
    `--metrics-bind-address=127.0.0.1:${await freePort()}`,
    `--health-probe-bind-address=127.0.0.1:${await freePort()}`,
  ]);
  try {
    await waitUntil('the operator asks the API server', () => (held.length > 0 ? true : undefined), 20_000);
    process.kill(p.hostPid(), 'SIGTERM');
    assert.equal(await p.exited(5_000), 143, p.stderr());
    assert.match(p.stderr(), /SIGTERM during startup/);
  } finally {
    await p.stop();
    for (const s of held) s.destroy();
    apiserver.close();
  }
});
