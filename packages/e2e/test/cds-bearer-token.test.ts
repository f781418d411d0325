// An authenticated config channel end to end: the operator's CDS server with a bearer token, and its
// clients as processes (stunnerd, authd) and through the shared client that stunnerctl and turncat
// read with, each given the token by $STUNNER_CDS_TOKEN_FILE (a mounted Secret's file). Without the
// token, or with a wrong one: 401 and no config.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type StunnerConfig, zeroConfig } from '@stunner/api';
import { CdsError, fetchConfigs } from '@stunner/cds-client';
import { CdsServer } from '@stunner/operator/runtime';
import { freeUdpPortPair, type WatchedProcess, waitUntil, watchProcess } from '@stunner/testing';
import { STUNNERD } from './support/harness.ts';

const AUTHD = fileURLToPath(new URL('./main.ts', import.meta.resolve('@stunner/auth')));
const TOKEN = 'cds-bearer-token-for-tests-2026';

describe('CDS bearer token: server and clients (STUNNER_CDS_TOKEN_FILE)', { timeout: 90_000 }, () => {
  let cds: CdsServer;
  let cdsPort: number;
  let udpPort: number;
  const dir = mkdtempSync(join(tmpdir(), 'cds-token-'));
  const right = join(dir, 'right');
  const wrong = join(dir, 'wrong');
  const running: WatchedProcess[] = [];
  before(async () => {
    writeFileSync(right, `${TOKEN}\n`);
    writeFileSync(wrong, 'not-the-token\n');
    cds = new CdsServer({ token: TOKEN });
    cdsPort = (await cds.listen(0, '127.0.0.1')).port;
    udpPort = await freeUdpPortPair();
    cds.update([
      {
        ...zeroConfig('ns/gw'),
        admin: { ...zeroConfig('ns/gw').admin, healthcheck_endpoint: '' },
        auth: { type: 'static', realm: 'stunner.l7mp.io', credentials: { username: 'u', password: 'p' } },
        listeners: [{ name: 'ns/gw/udp', protocol: 'TURN-UDP', address: '127.0.0.1', port: udpPort, routes: [] }],
      } as StunnerConfig,
    ]);
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await cds.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stunnerd = (tokenFile?: string): WatchedProcess => {
    const env: NodeJS.ProcessEnv = { ...process.env, STUNNER_CONFIG_ORIGIN: `http://127.0.0.1:${cdsPort}` };
    delete env.STUNNER_CDS_TOKEN_FILE;
    if (tokenFile) env.STUNNER_CDS_TOKEN_FILE = tokenFile;
    const p = watchProcess(process.execPath, [STUNNERD, '-w', '-l', 'all:INFO', '--id', 'ns/gw'], {
      name: 'stunnerd',
      env,
    });
    running.push(p);
    return p;
  };

  it('stunnerd with the token gets its config and opens the listener', async () => {
    const p = stunnerd(right);
    await p.waitFor(new RegExp(`TURN-UDP port ${udpPort}`), { timeoutMs: 20_000, what: 'the listener from the CDS' });
  });

  for (const [name, file] of [
    ['without a token', undefined],
    ['with a wrong token', wrong],
  ] as const) {
    it(`stunnerd ${name}: refused (401), no config`, async () => {
      const p = stunnerd(file);
      const m = await waitUntil('the 401 in the log', () => (/401/.test(p.stderr()) ? true : undefined), 20_000).catch(
        (e) => e as Error,
      );
      // The watch is refused, so no config arrives; stunnerd keeps dialing.
      await new Promise((r) => setTimeout(r, 1500));
      const out = p.stdout() + p.stderr();
      assert.ok(!(m instanceof Error), `a 401 reported:\n${out.slice(-1500)}`);
      assert.doesNotMatch(out, /config applied|TURN-UDP port/);
      await p.stop();
    });
  }

  it('authd with the token learns the gateway; without it, none', async () => {
    const start = (tokenFile?: string) => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.STUNNER_CDS_TOKEN_FILE;
      if (tokenFile) env.STUNNER_CDS_TOKEN_FILE = tokenFile;
      const p = watchProcess(
        process.execPath,
        [AUTHD, '-p', '0', '--address', '127.0.0.1', '--cds-server-address', `127.0.0.1:${cdsPort}`],
        { name: 'authd', env },
      );
      running.push(p);
      return p;
    };
    const ice = async (p: WatchedProcess) => {
      const m = await p.waitFor(/listening on http:\/\/([\d.]+:\d+)/, { timeoutMs: 20_000 });
      for (let i = 0; i < 30; i++) {
        const r = await fetch(`http://${m[1]}/ice?service=turn`).catch(() => undefined);
        const n = r?.ok ? ((await r.json()) as { iceServers: unknown[] }).iceServers.length : 0;
        if (n > 0) return n;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return 0;
    };
    assert.equal(await ice(start(right)), 1, 'authd with the token serves the gateway');
    assert.equal(await ice(start(wrong)), 0, 'authd with a wrong token knows no gateway');
  });

  it('the shared client (stunnerctl, turncat): the token from the file, 401 without it', async () => {
    const base = `http://127.0.0.1:${cdsPort}`;
    const sel = { namespace: 'ns', name: 'gw' };
    const [cfg] = (await fetchConfigs(base, sel, { token: TOKEN })) as StunnerConfig[];
    assert.equal(cfg?.admin.name, 'ns/gw');
    const saved = process.env.STUNNER_CDS_TOKEN_FILE;
    try {
      process.env.STUNNER_CDS_TOKEN_FILE = right;
      assert.equal(((await fetchConfigs(base, sel)) as StunnerConfig[])[0]?.admin.name, 'ns/gw');
      for (const file of [wrong, undefined]) {
        if (file) process.env.STUNNER_CDS_TOKEN_FILE = file;
        else delete process.env.STUNNER_CDS_TOKEN_FILE;
        await assert.rejects(fetchConfigs(base, sel), (e: unknown) => {
          assert.ok(e instanceof CdsError);
          assert.equal(e.status, 401);
          assert.match(e.message, /STUNNER_CDS_TOKEN_FILE/);
          return true;
        });
      }
      process.env.STUNNER_CDS_TOKEN_FILE = join(dir, 'missing');
      await assert.rejects(fetchConfigs(base, sel), { code: 'CDS_ERR_TOKEN' });
    } finally {
      if (saved === undefined) delete process.env.STUNNER_CDS_TOKEN_FILE;
      else process.env.STUNNER_CDS_TOKEN_FILE = saved;
    }
  });

  it('a CDS without a token serves clients that send none (STUNner compatibility)', async () => {
    const open = new CdsServer();
    const port = (await open.listen(0, '127.0.0.1')).port;
    open.update([{ ...zeroConfig('ns/gw') } as StunnerConfig]);
    try {
      const saved = process.env.STUNNER_CDS_TOKEN_FILE;
      delete process.env.STUNNER_CDS_TOKEN_FILE;
      assert.equal(
        ((await fetchConfigs(`http://127.0.0.1:${port}`, { namespace: 'ns', name: 'gw' })) as StunnerConfig[]).length,
        1,
      );
      if (saved !== undefined) process.env.STUNNER_CDS_TOKEN_FILE = saved;
    } finally {
      await open.close();
    }
  });
});
