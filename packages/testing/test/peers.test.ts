// The declared peer list (src/peers.ts) and the classifier that splits `npm test` from
// `npm run test:unit` (scripts/test-peers.ts) stay true to the harnesses and tests as they change.
import assert from 'node:assert/strict';
import { existsSync, globSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { harnessPeers, peersOfTest, spawnedCommands } from '../../../scripts/test-peers.ts';
import { EXTERNAL_PEERS } from '../src/peers.ts';

const root = resolve(import.meta.dirname, '../../..');
const src = resolve(import.meta.dirname, '../src');

describe('EXTERNAL_PEERS', () => {
  it('declares every module of @stunner/testing that runs a program by name', () => {
    const declared = new Set(EXTERNAL_PEERS.flatMap((p) => p.harnessModules));
    const undeclared = globSync('**/*.ts', { cwd: src })
      .map((f) => ({ module: f, commands: spawnedCommands(readFileSync(join(src, f), 'utf8')) }))
      .filter(({ module, commands }) => commands.length > 0 && !declared.has(module))
      .map(({ module, commands }) => `${module} runs ${commands.join(', ')}`);
    assert.deepEqual(undeclared, [], 'add these modules to a peer in packages/testing/src/peers.ts');
  });

  it('names harness modules that exist, and each peer once', () => {
    for (const p of EXTERNAL_PEERS) {
      for (const m of p.harnessModules) assert.ok(existsSync(join(src, m)), `${p.name}: ${m} does not exist`);
    }
    const names = EXTERNAL_PEERS.map((p) => p.name);
    assert.deepEqual(names, [...new Set(names)]);
  });
});

describe('peersOfTest', () => {
  const harness = harnessPeers();
  const peers = (file: string) => [...peersOfTest(relative(root, join(root, file)), harness)].sort();

  it('finds peers through harness exports, including those of modules that import a harness module', () => {
    assert.deepEqual([...(harness.get('startCoturn') ?? [])].sort(), ['coturn', 'openssl']);
    assert.ok(harness.get('startControlPlane')?.has('kube-apiserver'));
    assert.equal(harness.get('freePort'), undefined);
    assert.equal(harness.get('FakeTimers'), undefined);
    assert.deepEqual(peers('packages/testing/test/coturn.test.ts'), ['coturn', 'openssl']);
    assert.deepEqual(peers('packages/testing/test/control-plane.test.ts'), ['kube-apiserver', 'openssl']);
    assert.deepEqual([...(harness.get('launchChromium') ?? [])], ['chromium']);
    // The browser test that imports nothing from playwright-core is a chromium test through the harness.
    assert.ok(peers('packages/auth/test/browser-authd.test.ts').includes('chromium'));
  });

  it('finds programs spawned by name', () => {
    // Built from parts so that this file's own source spawns nothing by name.
    const call = (fn: string, args: string): string => `${fn}(${args})`;
    assert.deepEqual(spawnedCommands(call('spawn', "'turnutils_peer', []")), ['turnutils_peer']);
    assert.deepEqual(spawnedCommands(call('execFileSync', "\n  'openssl', ['req']")), ['openssl']);
    assert.deepEqual(spawnedCommands(call('watchProcess', "'/usr/bin/chromium', []")), ['chromium']);
    assert.deepEqual(spawnedCommands(call('spawn', 'process.execPath, [main]')), []);
    assert.deepEqual(spawnedCommands(call('exec', "'openssl version'")), ['openssl']);
    assert.deepEqual(spawnedCommands(call('/^(\\d+)$/.exec', "'42'")), []);
  });

  it("follows the test's own helpers and sees npm packages that drive a peer", () => {
    const dir = mkdtempSync(join(tmpdir(), 'peers-test-'));
    const write = (name: string, text: string): string => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    write('helper.ts', "import { startCoturn } from '@stunner/testing';\nexport const h = startCoturn;\n");
    const viaHelper = write('a.test.ts', "import { h } from './helper.ts';\n");
    const browser = write('b.test.ts', "import { chromium } from 'playwright-core';\n");
    const pure = write('c.test.ts', "import { freePort, FakeTimers } from '@stunner/testing';\n");
    try {
      assert.deepEqual([...peersOfTest(viaHelper, harness)].sort(), ['coturn', 'openssl']);
      assert.deepEqual([...peersOfTest(browser, harness)], ['chromium']);
      assert.deepEqual([...peersOfTest(pure, harness)], []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('calls this file a unit test', () => {
    assert.deepEqual(peers('packages/testing/test/peers.test.ts'), []);
  });
});
