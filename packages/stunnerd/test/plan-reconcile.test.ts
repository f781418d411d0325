import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type StunnerConfig, validateStunnerConfig } from '@stunner/api';
import { planReconcile } from '@stunner/stunnerd';

const base = validateStunnerConfig({
  version: 'v1',
  admin: { name: 'ns/gw', metrics_endpoint: 'http://:8080/metrics' },
  auth: { type: 'static', realm: 'r1', credentials: { username: 'u', password: 'p' } },
  listeners: [
    { name: 'udp', protocol: 'TURN-UDP', address: '10.0.0.1', port: 3478, routes: ['media'] },
    { name: 'tcp', protocol: 'TURN-TCP', address: '10.0.0.1', port: 3479, routes: ['media'] },
  ],
  clusters: [
    { name: 'media', type: 'STATIC', endpoints: ['10.1.0.0/16'] },
    { name: 'dns', type: 'STRICT_DNS', endpoints: ['media.svc'] },
  ],
});

function change(f: (c: StunnerConfig) => void): StunnerConfig {
  const c = structuredClone(base);
  f(c);
  return validateStunnerConfig(c);
}

const actions = (plan: ReturnType<typeof planReconcile>) =>
  Object.fromEntries(plan.listeners.map((l) => [l.name, l.action]));

describe('planReconcile (stunner-v1.md §1.7)', () => {
  it('starts everything from nothing', () => {
    const plan = planReconcile(undefined, base);
    assert.deepEqual(actions(plan), { udp: 'start', tcp: 'start' });
    assert.deepEqual(
      plan.clusters.map((c) => c.action),
      ['add', 'add'],
    );
    assert.equal(plan.health, 'start');
    assert.equal(plan.metrics, 'start');
  });

  it('keeps everything for the same config', () => {
    const plan = planReconcile(base, structuredClone(base));
    assert.deepEqual(actions(plan), { udp: 'keep', tcp: 'keep' });
    assert.ok(plan.clusters.every((c) => c.action === 'keep'));
    assert.equal(plan.authChanged, false);
    assert.equal(plan.adminChanged, false);
    assert.equal(plan.health, 'keep');
  });

  it('updates a listener in place for routes and public address', () => {
    const plan = planReconcile(
      base,
      change((c) => {
        c.listeners[0]!.routes = ['media', 'dns'];
        c.listeners[0]!.public_address = '203.0.113.1';
      }),
    );
    assert.deepEqual(actions(plan), { udp: 'update', tcp: 'keep' });
  });

  for (const field of ['port', 'address', 'protocol'] as const) {
    it(`restarts only the listener whose ${field} changed`, () => {
      const plan = planReconcile(
        base,
        change((c) => {
          const l = c.listeners[1]!;
          if (field === 'port') l.port = 4000;
          if (field === 'address') l.address = '10.0.0.2';
          if (field === 'protocol') l.protocol = 'TURN-UDP';
        }),
      );
      assert.deepEqual(actions(plan), { udp: 'keep', tcp: 'restart' });
      assert.equal(plan.listeners[1]!.reason, `${field} changed`);
    });
  }

  it('restarts every listener when the realm changes', () => {
    assert.deepEqual(
      actions(
        planReconcile(
          base,
          change((c) => {
            c.auth.realm = 'r2';
          }),
        ),
      ),
      { udp: 'restart', tcp: 'restart' },
    );
  });

  it('changes credentials in place', () => {
    const plan = planReconcile(
      base,
      change((c) => {
        c.auth.credentials.password = 'new';
      }),
    );
    assert.equal(plan.authChanged, true);
    assert.deepEqual(actions(plan), { udp: 'keep', tcp: 'keep' });
  });

  it('starts and stops added and removed listeners only', () => {
    const plan = planReconcile(
      base,
      change((c) => {
        c.listeners = [c.listeners[0]!, { ...c.listeners[1]!, name: 'tls2', protocol: 'TURN-UDP', port: 5000 }];
      }),
    );
    assert.deepEqual(actions(plan), { udp: 'keep', tls2: 'start', tcp: 'stop' });
  });

  it('updates STATIC clusters in place and restarts DNS registration when names or type change', () => {
    let plan = planReconcile(
      base,
      change((c) => {
        c.clusters[0]!.endpoints = ['10.2.0.0/16'];
      }),
    );
    assert.deepEqual(
      plan.clusters.map((c) => c.action),
      ['update', 'keep'],
    );
    plan = planReconcile(
      base,
      change((c) => {
        c.clusters[1]!.endpoints = ['other.svc'];
      }),
    );
    assert.deepEqual(
      plan.clusters.map((c) => c.action),
      ['keep', 'restart'],
    );
    plan = planReconcile(
      base,
      change((c) => {
        c.clusters[0]!.type = 'STRICT_DNS';
        c.clusters[0]!.endpoints = ['x.svc'];
      }),
    );
    assert.deepEqual(
      plan.clusters.map((c) => c.action),
      ['restart', 'keep'],
    );
    plan = planReconcile(
      base,
      change((c) => {
        c.clusters.pop();
      }),
    );
    assert.deepEqual(
      plan.clusters.map((c) => [c.name, c.action]),
      [
        ['media', 'keep'],
        ['dns', 'remove'],
      ],
    );
  });

  it('restarts, stops or keeps the admin servers with their endpoints and changes log level in place', () => {
    let plan = planReconcile(
      base,
      change((c) => {
        c.admin.metrics_endpoint = 'http://:9090/metrics';
      }),
    );
    assert.equal(plan.metrics, 'restart');
    plan = planReconcile(
      base,
      change((c) => {
        c.admin.metrics_endpoint = '';
        c.admin.healthcheck_endpoint = '';
      }),
    );
    assert.equal(plan.metrics, 'stop');
    assert.equal(plan.health, 'stop');
    plan = planReconcile(
      base,
      change((c) => {
        c.admin.loglevel = 'all:DEBUG';
      }),
    );
    assert.equal(plan.adminChanged, true);
    assert.equal(plan.metrics, 'keep');
  });
});
