// The -o formats: kubectl's JSONPath template form, the per-object printers, and the summaries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StunnerctlError } from '../src/stunnerctl/errors.ts';
import { parseJsonPathTemplate } from '../src/stunnerctl/jsonpath-template.ts';
import { Printer, parseOutputFormat } from '../src/stunnerctl/output-format.ts';
import { configSummary, licenseSummary, statusSummary } from '../src/stunnerctl/summary.ts';

const config = {
  version: 'v1',
  admin: { name: 'stunner/udp-gateway', loglevel: 'all:INFO' },
  auth: { type: 'static', realm: 'stunner.l7mp.io', credentials: { username: 'user-1', password: 'pass-1' } },
  listeners: [
    {
      name: 'stunner/udp-gateway/udp-listener',
      protocol: 'TURN-UDP',
      address: '$STUNNER_ADDR',
      port: 3478,
      public_address: '203.0.113.7',
      public_port: 3478,
      routes: ['stunner/media-plane'],
    },
    {
      name: 'stunner/udp-gateway/tcp-listener',
      protocol: 'TURN-TCP',
      address: '$STUNNER_ADDR',
      port: 3479,
      routes: [],
    },
  ],
  clusters: [{ name: 'stunner/media-plane', type: 'STATIC', protocol: 'UDP', endpoints: ['10.0.0.1', '10.0.0.2'] }],
};

describe('jsonpath templates (kubectl form)', () => {
  const render = (t: string, v: unknown = config) => parseJsonPathTemplate(t).render(v);

  it('fields, indexes, wildcards (space-joined), text around queries', () => {
    assert.equal(render('{.admin.name}'), 'stunner/udp-gateway');
    assert.equal(render('name={.admin.name} port={.listeners[1].port}'), 'name=stunner/udp-gateway port=3479');
    assert.equal(render('{.listeners[*].protocol}'), 'TURN-UDP TURN-TCP');
    assert.equal(render('{.clusters[0].endpoints}'), '["10.0.0.1","10.0.0.2"]');
    assert.equal(render('{$.auth.type}/{@.auth.realm}'), 'static/stunner.l7mp.io');
  });

  it('range/end, nested, with quoted text and escapes', () => {
    assert.equal(
      render('{range .listeners[*]}{.name}{"\\t"}{.port}{"\\n"}{end}'),
      'stunner/udp-gateway/udp-listener\t3478\nstunner/udp-gateway/tcp-listener\t3479\n',
    );
    assert.equal(
      render('{range .clusters[*]}{.name}:{range .endpoints[*]} {@}{end}{end}'),
      'stunner/media-plane: 10.0.0.1 10.0.0.2',
    );
    assert.equal(render("{'{braces}'}"), '{braces}');
  });

  it('filters, and a missing key prints nothing', () => {
    assert.equal(render('{.listeners[?(@.protocol=="TURN-TCP")].port}'), '3479');
    assert.equal(render('[{.no.such.key}]'), '[]');
  });

  it('malformed templates are STUNNERCTL_ERR_OUTPUT errors that say what is wrong', () => {
    for (const [t, why] of [
      ['{.admin.name', /unclosed "\{"/],
      ['{range .listeners[*]}{.name}', /without \{end\}/],
      ['{.name}{end}', /\{end\} without \{range/],
      ['{admin.name}', /neither a query/],
    ] as const) {
      assert.throws(
        () => parseJsonPathTemplate(t),
        (e: unknown) => e instanceof StunnerctlError && e.code === 'STUNNERCTL_ERR_OUTPUT' && why.test(e.message),
        t,
      );
    }
  });
});

describe('output formats', () => {
  it('json: one line per object; yaml: documents separated by ---; jsonpath: a line per object', () => {
    const out: string[] = [];
    const print = (format: string, values: unknown[]) => {
      out.length = 0;
      const p = new Printer(parseOutputFormat(format), (s) => out.push(s));
      for (const v of values) p.print(v, () => 'summary\n');
      return out.join('');
    };
    assert.equal(print('json', [{ a: 1 }, { a: 2 }]), '{"a":1}\n{"a":2}\n');
    assert.equal(print('yaml', [{ a: 1 }, { a: 2 }]), 'a: 1\n---\na: 2\n');
    assert.equal(print('jsonpath={.a}', [{ a: 1 }, { a: 2 }]), '1\n2\n');
    assert.equal(print('summary', [{ a: 1 }, { a: 2 }]), 'summary\n\nsummary\n');
    assert.throws(() => parseOutputFormat('wide'), { code: 'STUNNERCTL_ERR_OUTPUT' });
  });
});

describe('summaries', () => {
  it('config: listeners with public and listen addresses, routes with their endpoints, clusters; secrets hidden', () => {
    assert.equal(
      configSummary(config),
      [
        'Gateway: stunner/udp-gateway (loglevel: all:INFO)',
        'Authentication: static, realm stunner.l7mp.io, username user-1, password <hidden>',
        'Listeners:',
        '  - Name: stunner/udp-gateway/udp-listener',
        '    Protocol: TURN-UDP',
        '    Public address: 203.0.113.7:3478',
        '    Listen address: $STUNNER_ADDR:3478',
        '    Routes: [stunner/media-plane]',
        '    Endpoints: [10.0.0.1, 10.0.0.2]',
        '  - Name: stunner/udp-gateway/tcp-listener',
        '    Protocol: TURN-TCP',
        '    Public address: <none>',
        '    Listen address: $STUNNER_ADDR:3479',
        '    Routes: []',
        '    Endpoints: []',
        'Clusters:',
        '  - stunner/media-plane: STATIC UDP [10.0.0.1, 10.0.0.2]',
        '',
      ].join('\n'),
    );
    assert.equal(configSummary({ ...config, listeners: [], clusters: [] }), 'Gateway: stunner/udp-gateway <deleted>\n');
  });

  it('status: readiness and allocations over the config; a stunnerd without config says so', () => {
    const s = statusSummary('stunner/udp-gateway-abc', { ...config, status: 'READY', allocationCount: 4 });
    assert.match(s, /^stunner\/udp-gateway-abc: READY, allocations: 4\n {2}Gateway: stunner\/udp-gateway/);
    assert.equal(
      statusSummary('10.0.0.5:8086', { status: 'NOT-READY' }),
      '10.0.0.5:8086: NOT-READY, allocations: 0\n  <no config applied>\n',
    );
  });

  it('license: the open-source tier', () => {
    assert.match(
      licenseSummary({ enabledFeatures: [], subscriptionType: 'free', lastUpdated: 'N/A', lastError: '' }),
      /^License tier: free \(open source.*\nEnabled premium features: <none>\nLast updated: N\/A\n$/,
    );
  });
});
