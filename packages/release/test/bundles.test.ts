// `npm run build`'s bundles run with nothing beside them but the native packages they ship: each program starts, and stunnerd
// (with worker threads) relays a TURN allocation's "Hello STUNner" to the greeter and back.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  bundleProgram,
  entryPath,
  LOOPBACK_LISTENER_READY,
  loopbackTurnConfig,
  NATIVE_PACKAGES,
  OPTIONAL_EXTERNALS,
  PROGRAMS,
} from '@stunner/release';
import { freePort, freeUdpPortPair, watchProcess } from '@stunner/testing';
import { helloThroughTurn, threadPackets } from './hello-through-turn.ts';

describe('the bundles in a directory of their own', { timeout: 240_000 }, () => {
  let dist: string;
  const externals = new Map<string, string[]>();
  before(async () => {
    dist = mkdtempSync(join(tmpdir(), 'release-bundles-'));
    for (const p of PROGRAMS)
      externals.set(p.name, (await bundleProgram(entryPath(p), join(dist, p.name), p.name)).externals);
  });
  after(() => rmSync(dist, { recursive: true, force: true }));

  it("leave only Node built-ins, ws's optional native helpers and the native packages they ship to run time", () => {
    for (const p of PROGRAMS) {
      const left = externals.get(p.name)!;
      assert.ok(left.length > 0, `${p.name}: esbuild reported the externals`);
      const foreign = left.filter((s) => !isBuiltin(s) && !OPTIONAL_EXTERNALS.includes(s) && !(s in NATIVE_PACKAGES));
      assert.deepEqual(foreign, [], `${p.name} leaves ${foreign.join(', ')} to node_modules`);
      // A native package left out of the bundle is shipped beside it, with this platform's binary.
      for (const name of left.filter((s) => s in NATIVE_PACKAGES)) {
        for (const pkg of NATIVE_PACKAGES[name]!) {
          assert.ok(existsSync(join(dist, p.name, 'node_modules', pkg, 'package.json')), `${p.name} ships ${pkg}`);
        }
      }
    }
  });

  it('stunnerctl, turncat, authd and the operator start and answer a bad invocation with their usage', async () => {
    const run = (name: string, args: string[]) =>
      watchProcess(process.execPath, [join(dist, name, `${name}.mjs`), ...args], { cwd: dist });
    const ctl = run('stunnerctl', ['no-such-command']);
    assert.notEqual(await ctl.exited(20_000), 0);
    assert.match(ctl.stderr() + ctl.stdout(), /no-such-command/);
    const cat = run('turncat', []);
    assert.notEqual(await cat.exited(20_000), 0);
    assert.match(cat.stderr(), /Usage: turncat/);
    const authd = run('authd', ['--no-such-flag']);
    assert.equal(await authd.exited(20_000), 2);
    assert.match(authd.stderr(), /no-such-flag/);
    const op = run('stunner-gateway-operator', ['--no-such-flag']);
    assert.equal(await op.exited(20_000), 2);
    assert.match(op.stderr(), /no-such-flag/);
  });

  it('stunnerd with --udp-thread-num=2 relays "Hello STUNner" to the greeter and back; SIGTERM ends it', async () => {
    const port = await freeUdpPortPair();
    const metricsPort = await freePort();
    const config = join(dist, 'stunnerd.json');
    writeFileSync(
      config,
      loopbackTurnConfig({
        port,
        username: 'user-1',
        password: 'pass-1',
        realm: 'release',
        healthPort: await freePort(),
        metricsPort,
      }),
    );
    const stunnerd = watchProcess(
      process.execPath,
      [join(dist, 'stunnerd', 'stunnerd.mjs'), '--udp-thread-num=2', '-c', `file://${config}`],
      { cwd: dist },
    );
    try {
      await stunnerd.waitFor(LOOPBACK_LISTENER_READY, { timeoutMs: 20_000 });
      await helloThroughTurn(dist, { port, username: 'user-1', password: 'pass-1' });
      // Two worker threads (the worker bundle found beside the main one), one of them relayed it.
      const threads = await threadPackets(metricsPort).catch((err: Error) => {
        throw new Error(`${err.message}: ${err.cause}; stunnerd said:\n${stunnerd.stderr()}`);
      });
      assert.deepEqual([...threads.keys()].sort(), ['0', '1']);
      assert.ok([...threads.values()].some((n) => n > 0));
      stunnerd.child.kill('SIGTERM');
      assert.equal(await stunnerd.exited(20_000), 0);
      assert.doesNotMatch(stunnerd.stderr(), /ERR_MODULE_NOT_FOUND|Cannot find/);
    } finally {
      await stunnerd.stop();
    }
  });
});
