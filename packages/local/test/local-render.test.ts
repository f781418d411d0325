// The bundled manifests through the renderer as local mode runs them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MANIFESTS, loopbackEndpoint, parseLocalFlags, readManifestFiles, renderLocal } from '../src/index.ts';

describe('renderLocal on deploy/local', () => {
  const read = readManifestFiles([DEFAULT_MANIFESTS]);

  it('one Gateway with UDP and TCP listeners at 127.0.0.1, programmed, routes to loopback peers', () => {
    assert.deepEqual(read.errors, []);
    const r = renderLocal(read.docs, read.errors, { portOffset: 0 });
    assert.deepEqual(r.loadErrors, []);
    assert.deepEqual(r.issues, []);
    assert.equal(r.configs.length, 1);
    const c = r.configs[0]!;
    assert.equal(c.admin.name, 'stunner/local-gateway');
    assert.equal(c.admin.healthcheck_endpoint, 'http://127.0.0.1:8086');
    assert.deepEqual(
      c.listeners.map((l) => [l.name, l.protocol, l.address, l.port, l.public_address, l.public_port]),
      [
        ['stunner/local-gateway/udp-listener', 'TURN-UDP', '127.0.0.1', 3478, '127.0.0.1', 3478],
        ['stunner/local-gateway/tcp-listener', 'TURN-TCP', '127.0.0.1', 3478, '127.0.0.1', 3478],
      ],
    );
    assert.deepEqual(c.clusters, [
      { name: 'stunner/media-plane', type: 'STATIC', protocol: 'UDP', endpoints: ['127.0.0.1/32'] },
    ]);
    assert.deepEqual(c.auth.credentials, { username: 'user-1', password: 'pass-1' });
    const gw = r.statuses.find((s) => s.kind === 'Gateway')!;
    const conditions = (gw.status as { conditions: { type: string; status: string }[] }).conditions;
    assert.deepEqual(
      conditions.map((x) => `${x.type}=${x.status}`),
      ['Accepted=True', 'Programmed=True'],
    );
    assert.deepEqual(r.greeters, [9001]);
    assert.equal(
      r.objects.get('Gateway stunner/local-gateway'),
      `${read.files[0]!.replace(`${process.cwd()}/`, '')}#4`,
    );
  });

  it('the port offset shifts listeners, public ports, the health server and the greeter', () => {
    const r = renderLocal(read.docs, read.errors, { portOffset: 1000 });
    const c = r.configs[0]!;
    assert.deepEqual(
      c.listeners.map((l) => [l.port, l.public_port]),
      [
        [4478, 4478],
        [4478, 4478],
      ],
    );
    assert.equal(c.admin.healthcheck_endpoint, 'http://127.0.0.1:9086');
    assert.deepEqual(r.greeters, [10001]);
  });

  it('keeps condition transition times across renders of an unchanged world', () => {
    const first = renderLocal(read.docs, read.errors, { portOffset: 0, now: () => new Date('2026-01-01T00:00:00Z') });
    const second = renderLocal(read.docs, read.errors, {
      portOffset: 0,
      previous: first.statuses,
      now: () => new Date('2026-06-01T00:00:00Z'),
    });
    assert.deepEqual(second.statuses, first.statuses);
  });

  it('a second Gateway gets its own config, without the admin servers the first one holds', () => {
    const second = read.docs
      .filter((d) => (d.doc as { kind?: string }).kind === 'Gateway')
      .map((d) => {
        const gw = structuredClone(d.doc) as { metadata: { name: string }; spec: { listeners: { port: number }[] } };
        gw.metadata.name = 'second';
        for (const l of gw.spec.listeners) l.port = 3500;
        return { doc: gw, where: 'second.yaml#1' };
      });
    const r = renderLocal([...read.docs, ...second], [], { portOffset: 0 });
    assert.deepEqual(
      r.configs.map((c) => [c.admin.name, c.admin.healthcheck_endpoint, c.listeners.map((l) => l.port)]),
      [
        ['stunner/local-gateway', 'http://127.0.0.1:8086', [3478, 3478]],
        ['stunner/second', '', [3500, 3500]],
      ],
    );
  });

  it('admin endpoints go to loopback', () => {
    assert.equal(loopbackEndpoint('http://:8080/metrics', 8080, 5), 'http://127.0.0.1:8085/metrics');
    assert.equal(loopbackEndpoint('http://0.0.0.0', 8086, 0), 'http://127.0.0.1:8086');
    assert.equal(loopbackEndpoint('', 8086, 0), '');
  });
});

describe('parseLocalFlags', () => {
  it('defaults, paths, ports', () => {
    const d = parseLocalFlags([], {});
    assert.deepEqual(d.paths, [DEFAULT_MANIFESTS]);
    assert.equal(d.portOffset, 0);
    assert.equal(d.dashboardPort, 8090);
    assert.equal(d.authPort, 8088);
    assert.equal(d.dashboardAddress, '127.0.0.1');
    const f = parseLocalFlags(['a.yaml', 'dir', '--port-offset', '100', '--dashboard-port', '0', '-l', 'all:DEBUG'], {
      STUNNER_DASHBOARD_TOKEN: 'tok',
    });
    assert.deepEqual(f.paths, ['a.yaml', 'dir']);
    assert.equal(f.portOffset, 100);
    assert.equal(f.dashboardPort, undefined);
    assert.equal(f.dashboardToken, 'tok');
    assert.equal(f.logSpec, 'all:DEBUG');
    assert.throws(() => parseLocalFlags(['--auth-port', '70000']), { code: 'LOCAL_ERR_FLAGS' });
    assert.throws(() => parseLocalFlags(['--nope']), { code: 'LOCAL_ERR_FLAGS' });
  });
});
