// authd as a container's PID 1: the kernel gives PID 1 no default action for a signal it does not
// handle, so SIGTERM must reach authd's own handler, also while its config discovery server does not
// answer (here: it accepts connections and never replies).
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { freePort, waitUntil, watchAsPid1 } from '@stunner/testing';
import { AUTHD_MAIN } from './support/authd-process.ts';

test('SIGTERM while the CDS does not answer: authd, PID 1, exits at once with 0', async () => {
  const held: Socket[] = [];
  const cds = createServer((s) => held.push(s));
  await new Promise<void>((r) => cds.listen(0, '127.0.0.1', r));
  const cdsPort = (cds.address() as { port: number }).port;
  const p = watchAsPid1(process.execPath, [
    AUTHD_MAIN,
    '-p',
    String(await freePort()),
    '--address',
    '127.0.0.1',
    '--cds-server-address',
    '127.0.0.1',
    '--cds-server-port',
    String(cdsPort),
  ]);
  try {
    await p.waitFor(/authd: listening/, { timeoutMs: 15_000 });
    await waitUntil('authd dials the CDS', () => (held.length > 0 ? true : undefined), 10_000);
    process.kill(p.hostPid(), 'SIGTERM');
    assert.equal(await p.exited(5_000), 0, p.stderr());
    assert.match(p.stderr(), /SIGTERM: shutting down/);
  } finally {
    await p.stop();
    for (const s of held) s.destroy();
    cds.close();
  }
});
