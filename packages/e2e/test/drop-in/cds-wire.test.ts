// The CDS wire format against STUNner's recorded answers (stunner-cds/, reference/stunner-v1.md §1.6):
// for the same world our renderer + CDS server answer with the same bytes STUNner's operator served —
// list, single config, 404, license, watch frames (one full config each, also on a namespace watch),
// the deletion frame — and pings get the `keepalive` pong STUNner's clients expect.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { DEFAULT_CONTROLLER_NAME, DEFAULT_LABEL_FILTER, isZeroStunnerConfig, parseStunnerConfig } from '@stunner/api';
import { render, snapshotFromManifests } from '@stunner/operator';
import { CdsServer } from '@stunner/operator/runtime';
import WebSocket from 'ws';
import { quickstart, recorded, stunnerService, tlsUdp, type World } from './stunner-world.ts';

/** The world as the operator's informers see it, the LB Service STUNner's operator left included. */
function renderWorld(...worlds: World[]) {
  const docs = worlds.flatMap((w) => [
    ...w.manifests,
    { ...stunnerService(w, 'uid-1'), status: { loadBalancer: { ingress: [{ ip: w.lbIp }] } } },
  ]);
  const load = snapshotFromManifests(docs.map((doc, i) => ({ doc, where: `#${i}` })));
  assert.deepEqual(load.errors, []);
  const r = render(load.snapshot, {
    controllerName: DEFAULT_CONTROLLER_NAME,
    dataplaneMode: 'managed',
    endpointDiscovery: true,
    useEndpointSlices: true,
    configOrigin: 'http://10.0.0.1:13478',
    labelFilter: DEFAULT_LABEL_FILTER,
    now: () => new Date('2026-06-10T08:00:00Z'),
  });
  assert.deepEqual(r.issues, []);
  return r;
}

let cds: CdsServer;
let base: string;
before(async () => {
  cds = new CdsServer();
  base = `127.0.0.1:${(await cds.listen(0, '127.0.0.1')).port}`;
  cds.update(renderWorld(quickstart, tlsUdp).configs);
});
after(() => cds.close());

const body = async (path: string): Promise<{ status: number; text: string; type: string | null }> => {
  const res = await fetch(`http://${base}${path}`);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
};

test('GET one config: the bytes STUNner served, for the quickstart and for TLS + UDP with ephemeral auth', async () => {
  for (const w of [quickstart, tlsUdp]) {
    const r = await body(`/api/v1/configs/${w.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/json');
    assert.equal(r.text, recorded(w.configFile), w.id);
  }
});

test('GET a namespace list, a missing config and the license: the bytes STUNner served', async () => {
  const list = await body('/api/v1/configs/stunner');
  assert.equal(list.text, recorded('list-stunner-namespace.body'));
  const missing = await body('/api/v1/configs/stunner/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.text, recorded('not-found.body'));
  assert.equal((await body('/api/v1/license')).text, recorded('license.body'));
  // The full list carries both, each as STUNner wrote it.
  const all = JSON.parse((await body('/api/v1/configs')).text) as { version: string; items: unknown[] };
  assert.equal(all.version, 'v1');
  assert.equal(all.items.length, 2);
});

/** Opens a watch as STUNner's client does (Origin header) and collects its raw text frames. */
async function watch(path: string): Promise<{ ws: WebSocket; frames: string[]; next: (n: number) => Promise<void> }> {
  const ws = new WebSocket(`ws://${base}${path}?watch=true`, { headers: { Origin: `http://${base}` } });
  const frames: string[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d, isBinary) => {
    assert.equal(isBinary, false, 'text frames');
    frames.push(d.toString());
    for (const w of waiters.splice(0)) w();
  });
  await once(ws, 'open');
  const next = async (n: number): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (frames.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${frames.length} of ${n} frames`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  return { ws, frames, next };
}

test('watch frames: one full config per frame (json.Marshal: no newline), a namespace watch too', async () => {
  const one = await watch(`/api/v1/configs/${quickstart.id}`);
  await one.next(1);
  assert.equal(one.frames[0], recorded(quickstart.configFile).slice(0, -1));
  one.ws.close();
  const all = await watch('/api/v1/configs');
  await all.next(2);
  assert.deepEqual(
    [...all.frames].sort(),
    [recorded(quickstart.configFile), recorded(tlsUdp.configFile)].map((t) => t.slice(0, -1)).sort(),
  );
  all.ws.close();
});

test('keepalive: a ping "keepalive" is answered with a pong "keepalive"; unchanged configs are not re-sent', async () => {
  const w = await watch(`/api/v1/configs/${quickstart.id}`);
  await w.next(1);
  const pong = once(w.ws, 'pong');
  w.ws.ping('keepalive');
  const [payload] = (await pong) as [Buffer];
  assert.equal(payload.toString(), 'keepalive');
  // Client data is discarded; a re-render of the same world pushes nothing.
  w.ws.send('anything');
  cds.update(renderWorld(quickstart, tlsUdp).configs);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(w.frames.length, 1);
  w.ws.close();
});

test('deleting the Gateway pushes the zero config of §1.3 (ours names the default log level too)', async () => {
  const w = await watch(`/api/v1/configs/${quickstart.id}`);
  await w.next(1);
  cds.update(renderWorld(tlsUdp).configs);
  await w.next(2);
  // STUNner's ZeroConfig has the name alone in admin; ours adds loglevel all:INFO, which every zero-config
  // check ignores (README, Differences from STUNner). Otherwise the bytes are STUNner's.
  const stunners = recorded('deleted-frame.body');
  assert.equal(
    w.frames[1],
    stunners.replace(
      '"admin":{"name":"stunner/udp-gateway"}',
      '"admin":{"name":"stunner/udp-gateway","loglevel":"all:INFO"}',
    ),
  );
  assert.ok(isZeroStunnerConfig(parseStunnerConfig(w.frames[1]!)));
  w.ws.close();
});

test("STUNner's deletion frame (credential keys sorted, as Go writes maps) reads as a deleted config", () => {
  assert.ok(isZeroStunnerConfig(parseStunnerConfig(recorded('deleted-frame.body'))));
  assert.ok(!isZeroStunnerConfig(parseStunnerConfig(recorded(quickstart.configFile), { STUNNER_ADDR: '10.0.0.9' })));
});
