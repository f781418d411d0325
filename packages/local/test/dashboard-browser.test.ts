// Headless Chromium on the dashboard while local mode runs as a process on the bundled manifests
// (copied, so the test can edit them): listeners ready, a TURN allocation and its traffic appearing
// and going, a listener added by an edit, an invalid manifest reported while the old listeners keep
// serving, the ICE test over UDP and TCP, and no console errors. Screenshots go to .artifacts/dashboard/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TurnClient } from '@stunner/client';
import { launchChromium } from '@stunner/testing';
import type { Browser, Page } from 'playwright-core';
import { copyManifests, freeOffset, startLocal } from './support/local-process.ts';

const ARTIFACTS = fileURLToPath(new URL('../../../.artifacts/dashboard/', import.meta.url));
const UDP = 'stunner/local-gateway/udp-listener';
const TCP = 'stunner/local-gateway/tcp-listener';
const ADDED = 'stunner/local-gateway/udp-listener-2';

const dir = copyManifests();
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(ARTIFACTS, { recursive: true });

async function shot(page: Page, name: string): Promise<void> {
  await page.mouse.wheel(0, -100_000);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Allocates at the listener, sends to the greeter and waits for its answer. */
async function relayOnce(port: number, greeter: number): Promise<TurnClient> {
  const client = new TurnClient({ host: '127.0.0.1', port, transport: 'udp', username: 'user-1', password: 'pass-1' });
  await client.allocate();
  const answer = new Promise<string>((resolve) => client.once('data', (d) => resolve(d.toString())));
  await client.sendTo({ address: '127.0.0.1', port: greeter }, Buffer.from('hello'));
  const text = await Promise.race([answer, new Promise<string>((r) => setTimeout(() => r('no answer'), 5000))]);
  assert.match(text, /Greetings from STUNner/);
  return client;
}

const listenerRow = (name: string, ready = true) => `tr[data-listener="${name}"][data-ready="${ready}"]`;

describe('the dashboard of local mode, in headless Chromium', { timeout: 180_000 }, () => {
  let browser: Browser;
  after(() => browser?.close());

  it('shows listeners, allocations, edits, errors and runs the ICE test', async (t) => {
    const offset = await freeOffset();
    const local = await startLocal([dir, '--port-offset', String(offset)]);
    t.after(() => local.proc.stop());
    const greeter = 9001 + offset;

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(local.dashboardUrl);

    // The listeners show as ready.
    await page.waitForSelector(listenerRow(UDP), { timeout: 10_000 });
    await page.waitForSelector(listenerRow(TCP), { timeout: 10_000 });
    assert.match(
      (await page.textContent(`tr[data-listener="${UDP}"]`)) ?? '',
      new RegExp(`127\\.0\\.0\\.1:${3478 + offset}`),
    );
    await page.waitForSelector('[data-chart="allocations"] canvas', { timeout: 5000 });
    await shot(page, '01-ready');

    // An allocation and its traffic appear within two seconds, and go when it closes.
    const client = await relayOnce(3478 + offset, greeter);
    const started = Date.now();
    const row = await page.waitForSelector('tr[data-allocation]', { timeout: 2000 });
    const text = (await row.textContent()) ?? '';
    assert.match(text, /udp-listener/);
    assert.match(text, /127\.0\.0\.1/);
    await page.waitForSelector('tr[data-allocation] td.rx:text-matches("[1-9][0-9]* pkt")', { timeout: 2000 });
    await page.waitForSelector('tr[data-allocation] td:nth-child(5):text-is("127.0.0.1")', { timeout: 2000 });
    await page.waitForSelector(`tr[data-allocation] td:nth-child(6):text-is("0x4000 → 127.0.0.1:${greeter}")`, {
      timeout: 2000,
    });
    assert.ok(Date.now() - started <= 2500);
    for (let i = 0; i < 20; i++) await client.sendTo({ address: '127.0.0.1', port: greeter }, Buffer.alloc(400, i));
    await page.waitForTimeout(1200);
    await shot(page, '02-allocation');
    // Credentials are redacted on the page (config and try-it line alike).
    assert.doesNotMatch((await page.textContent('body')) ?? '', /pass-1/);
    assert.match((await page.textContent('#try-it')) ?? '', /turn:\/\/user-1:<password>@127\.0\.0\.1/);
    await client.close();
    await page.waitForSelector('tr[data-allocation]', { state: 'detached', timeout: 2000 });

    // An edit that adds a listener makes it appear.
    const gatewayFile = join(dir, 'gateway.yaml');
    const good = readFileSync(gatewayFile, 'utf8');
    const added = `${good.trimEnd()}\n    - name: udp-listener-2\n      port: 3479\n      protocol: TURN-UDP\n`;
    writeFileSync(gatewayFile, added);
    await page.waitForSelector(listenerRow(ADDED), { timeout: 10_000 });
    await (await relayOnce(3479 + offset, greeter)).close();

    // An invalid listener shows its condition (the operator's reason); the others keep serving.
    writeFileSync(gatewayFile, `${added}    - name: bad-listener\n      port: 3480\n      protocol: TURN-SCTP\n`);
    await page.waitForSelector('tr[data-listener="stunner/local-gateway/bad-listener"][data-ready="false"]', {
      timeout: 10_000,
    });
    const bad = (await page.textContent('tr[data-listener="stunner/local-gateway/bad-listener"]')) ?? '';
    assert.match(bad, /Accepted/);
    assert.match(bad, /UnsupportedProtocol|Invalid/);
    // A manifest that does not parse: reported, and the last good config keeps serving.
    writeFileSync(
      join(dir, 'broken.yaml'),
      'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: broken\n',
    );
    await page.waitForSelector('.problem.error', { timeout: 10_000 });
    assert.match((await page.textContent('#manifests')) ?? '', /broken\.yaml/);
    await page.waitForSelector(listenerRow(UDP), { timeout: 2000 });
    await (await relayOnce(3478 + offset, greeter)).close();
    await (await relayOnce(3479 + offset, greeter)).close();
    await page.waitForTimeout(1200);
    await shot(page, '03-invalid');
    rmSync(join(dir, 'broken.yaml'));
    writeFileSync(gatewayFile, good);
    await page.waitForSelector(`tr[data-listener="${ADDED}"]`, { state: 'detached', timeout: 10_000 });
    await page.waitForSelector('.problem.error', { state: 'detached', timeout: 10_000 });

    // The ICE test succeeds over UDP and over TCP.
    await page.click('#ice-run');
    await page.waitForSelector('tr[data-ice="udp"][data-ok="true"]', { timeout: 30_000 });
    await page.waitForSelector('tr[data-ice="tcp"][data-ok="true"]', { timeout: 30_000 });
    const ice = (await page.textContent('#ice-results')) ?? '';
    assert.match(ice, /relay \(udp\) → relay/);
    assert.match(ice, /relay \(tcp\) → relay/);
    assert.doesNotMatch(ice, /failed/);
    await page.waitForTimeout(1200);
    await shot(page, '04-ice-test');

    assert.deepEqual(consoleErrors, []);
  });
});
