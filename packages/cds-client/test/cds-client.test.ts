import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { zeroConfig } from '@stunner/api';
import { WebSocketServer } from 'ws';
import { type CdsError, CdsWatch, cdsUrl, fetchConfigs, selectorOf } from '../src/index.ts';

const gw = (id: string) => ({ version: 'v1', admin: { name: id }, listeners: [{ name: `${id}/udp` }] });

/** A CDS with two namespaces, as the operator serves it (stunner-v1.md §1.6). */
async function cdsServer() {
  const configs = [gw('ns1/a'), gw('ns2/b')];
  const http = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const parts = path.split('/').slice(4);
    const hit = configs.filter((c) => c.admin.name.startsWith(parts.join('/')));
    if (parts.length === 2) {
      if (hit.length === 0) res.writeHead(404).end('{"code":404,"message":"Config not found for ID"}');
      else res.writeHead(200).end(JSON.stringify(hit[0]));
    } else if (path === '/api/v1/configs/broken') res.writeHead(200).end('<html>');
    else res.writeHead(200).end(JSON.stringify({ version: 'v1', items: hit }));
  });
  const wss = new WebSocketServer({ server: http });
  const urls: string[] = [];
  wss.on('connection', (ws, req) => {
    urls.push(req.url ?? '');
    for (const c of configs) ws.send(JSON.stringify(c));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const stop = async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  };
  return { base, urls, stop, wss };
}

describe('cds-client', () => {
  it('builds the URLs of one config, a namespace and all, for reads and watches', () => {
    const one = selectorOf('ns/gw', 'node-1');
    assert.equal(
      cdsUrl('http://h:13478', one, { watch: true }).toString(),
      'ws://h:13478/api/v1/configs/ns/gw?watch=true&node=node-1',
    );
    assert.equal(
      cdsUrl('wss://h:1/x?y=1', one, { watch: false }).toString(),
      'https://h:1/api/v1/configs/ns/gw?node=node-1',
    );
    assert.equal(
      cdsUrl('http://h:1', { namespace: 'ns', node: 'n' }, { watch: false }).toString(),
      'http://h:1/api/v1/configs/ns',
    );
    assert.equal(cdsUrl('ws://h:1', {}, { watch: true }).toString(), 'ws://h:1/api/v1/configs?watch=true');
  });

  it('reads one config, a namespace and all; a missing gateway and a bad body are coded errors', async (t) => {
    const cds = await cdsServer();
    t.after(cds.stop);
    assert.deepEqual(await fetchConfigs(cds.base, selectorOf('ns1/a')), [gw('ns1/a')]);
    assert.deepEqual(await fetchConfigs(cds.base, { namespace: 'ns2' }), [gw('ns2/b')]);
    assert.deepEqual(await fetchConfigs(cds.base, {}), [gw('ns1/a'), gw('ns2/b')]);
    await assert.rejects(fetchConfigs(cds.base, selectorOf('ns1/nope')), (err: CdsError) => {
      assert.equal(err.code, 'CDS_ERR_NOT_FOUND');
      assert.equal(err.status, 404);
      assert.match(err.message, /answered 404: no config for gateway ns1\/nope/);
      return true;
    });
    await assert.rejects(fetchConfigs(cds.base, { namespace: 'broken' }), { code: 'CDS_ERR_BODY' });
  });

  it('an address where nothing listens: CDS_ERR_UNREACHABLE naming it', async () => {
    const cds = await cdsServer();
    await cds.stop();
    await assert.rejects(fetchConfigs(cds.base, {}), (err: CdsError) => {
      assert.equal(err.code, 'CDS_ERR_UNREACHABLE');
      assert.match(err.message, new RegExp(`cannot reach the config discovery service at ${new URL(cds.base).host}`));
      return true;
    });
  });

  it('watches every namespace; zero configs are delivered or skipped as asked', async (t) => {
    const cds = await cdsServer();
    t.after(cds.stop);
    const zero = JSON.stringify(zeroConfig('ns1/a'));
    for (const zeroConfigs of ['deliver', 'skip'] as const) {
      const watch = new CdsWatch({
        base: cds.base,
        selector: {},
        parse: (text) => JSON.parse(text) as { admin: { name: string } },
        zeroConfigs,
      });
      t.after(() => watch.close());
      const names: string[] = [];
      watch.on('config', (c) =>
        names.push(`${c.admin.name}${(c as { listeners?: unknown[] }).listeners?.length === 0 ? ' zero' : ''}`),
      );
      watch.start();
      await once(watch, 'connected');
      for (const c of cds.wss.clients) c.send(zero);
      for (const c of cds.wss.clients) c.send(JSON.stringify(gw('ns3/c')));
      while (!names.includes('ns3/c')) await once(watch, 'config');
      assert.deepEqual(
        names,
        zeroConfigs === 'deliver' ? ['ns1/a', 'ns2/b', 'ns1/a zero', 'ns3/c'] : ['ns1/a', 'ns2/b', 'ns3/c'],
      );
      watch.close();
    }
    assert.deepEqual(cds.urls, ['/api/v1/configs?watch=true', '/api/v1/configs?watch=true']);
  });

  it('a frame the caller cannot parse is a warning and the watch goes on', async (t) => {
    const cds = await cdsServer();
    t.after(cds.stop);
    const watch = new CdsWatch({
      base: cds.base,
      selector: { namespace: 'ns2' },
      parse: (text) => {
        const c = JSON.parse(text) as { admin: { name: string } };
        if (c.admin.name === 'ns1/a') throw new Error('not this one');
        return c;
      },
    });
    t.after(() => watch.close());
    const warnings: string[] = [];
    watch.on('warning', (w) => warnings.push(w));
    watch.start();
    const [config] = await once(watch, 'config');
    assert.equal(config.admin.name, 'ns2/b');
    assert.deepEqual(warnings, [`ignoring config from ${new URL(cds.base).host}: not this one`]);
  });
});
