import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthdFlags } from '../src/index.ts';

describe('parseAuthdFlags', () => {
  it("takes STUNner's flags with their defaults", () => {
    const f = parseAuthdFlags(['--cds-server-address=stunner-config-discovery.stunner-system.svc', '-v'], {});
    assert.equal(f.port, 8088);
    assert.equal(f.logSpec, 'all:DEBUG');
    assert.equal(f.logFormat, 'text');
    assert.deepEqual(f.source, {
      kind: 'cds',
      base: new URL('http://stunner-config-discovery.stunner-system.svc:13478'),
    });
    assert.equal(f.token, undefined);
    assert.equal(f.rateLimit, undefined);
    assert.deepEqual(f.corsOrigins, []);
    assert.equal(f.probes, false);
    assert.equal(f.metrics, false);
  });

  it('reads the CDS address as host, host:port, IPv6 or URL, and the env overrides', () => {
    const base = (argv: string[], env: Record<string, string> = {}) => {
      const s = parseAuthdFlags(argv, env).source;
      return s.kind === 'cds' ? s.base.toString() : s.path;
    };
    assert.equal(base(['--cds-server-address', '10.0.0.1', '--cds-server-port', '1234']), 'http://10.0.0.1:1234/');
    assert.equal(base(['--cds-server-address', '10.0.0.1:99']), 'http://10.0.0.1:99/');
    assert.equal(base(['--cds-server-address', '::1']), 'http://[::1]:13478/');
    assert.equal(base(['--cds-server-address', 'wss://cds.example:443']), 'wss://cds.example/');
    assert.equal(base([], { CDS_SERVER_ADDR: 'cds', CDS_SERVER_PORT: '7' }), 'http://cds:7/');
    assert.equal(base(['-c', 'file:///etc/stunnerd.conf']), '/etc/stunnerd.conf');
    assert.equal(base(['-c', 'http://127.0.0.1:13478']), 'http://127.0.0.1:13478/');
  });

  it('takes the extras and STUNNER_PUBLIC_ADDR', () => {
    const f = parseAuthdFlags(
      [
        '-c',
        'file:///x',
        '--cors-origin',
        'https://a.example',
        '--cors-origin',
        '*',
        '--rate-limit',
        '2.5',
        '--rate-burst',
        '5',
        '--probes',
        '--metrics',
        '--log-format',
        'json',
        '-l',
        'all:WARN',
      ],
      { AUTHD_TOKEN: 'long-enough', STUNNER_PUBLIC_ADDR: '1.2.3.4' },
    );
    assert.deepEqual(f.corsOrigins, ['https://a.example', '*']);
    assert.deepEqual(f.rateLimit, { rate: 2.5, burst: 5 });
    assert.equal(f.token, 'long-enough');
    assert.equal(f.publicAddr, '1.2.3.4');
    assert.equal(f.logSpec, 'all:WARN');
    assert.equal(f.logFormat, 'json');
    assert.ok(f.probes && f.metrics);
  });

  it('refuses bad values with AUTH_ERR_FLAGS and what to fix', () => {
    const cases: [string[], RegExp][] = [
      [['-c', 'file://'], /names no file/],
      [['-c', 'ftp://x'], /use http\(s\):\/\/ or ws\(s\):\/\//],
      [['--cds-server-address', 'x', '--cds-server-port', '0'], /--cds-server-port 0/],
      [['--cds-server-address', 'x', '--rate-burst', '3'], /--rate-burst needs --rate-limit/],
      [['--cds-server-address', 'x', '--rate-limit', '1', '--rate-burst', '0.5'], /--rate-burst 0.5/],
      [['--cds-server-address', 'x', '--token', 'short'], /at least 8 characters/],
      [['--cds-server-address', 'x', 'positional'], /Unexpected argument/],
      [['--cds-server-address', 'x', '-l', 'all:LOUD'], /-l: .*"LOUD" is not a level/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(
        () => parseAuthdFlags(argv, {}),
        (e: unknown) => {
          const err = e as { code?: string; message: string };
          assert.equal(err.code, 'AUTH_ERR_FLAGS', argv.join(' '));
          assert.match(err.message, message);
          return true;
        },
      );
    }
  });
});
