import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LABEL_FILTER } from '@stunner/api';
import { FlagError, parseOperatorFlags } from '../src/runtime/operator-flags.ts';

test('defaults are STUNner operator defaults (§2.1)', () => {
  const f = parseOperatorFlags([], {});
  assert.equal(f.controllerName, 'stunner.l7mp.io/gateway-operator');
  assert.equal(f.dataplaneMode, 'managed');
  assert.deepEqual(f.cds, { host: '0.0.0.0', port: 13478 });
  assert.equal(f.endpointDiscovery, true);
  assert.equal(f.useEndpointSlices, true);
  assert.equal(f.enableFinalizer, false);
  assert.equal(f.throttleMs, 250);
  assert.deepEqual(f.metrics, { host: '', port: 8080 });
  assert.deepEqual(f.health, { host: '', port: 8081 });
  assert.equal(f.leaderElect, false);
  assert.deepEqual(f.labelFilter, DEFAULT_LABEL_FILTER);
});

test('flags and environment override the defaults; unknown dataplane modes read as legacy', () => {
  const f = parseOperatorFlags(
    [
      '--controller-name=example.com/gw',
      '--config-discovery-address=127.0.0.1:14000',
      '--endpoint-discovery=false',
      '--disable-endpontslice-controller',
      '--enable-finalizer',
      '--throttle-timeout=1s',
      '--metrics-bind-address=0',
      '--health-probe-bind-address=[::1]:9000',
      '--leader-elect',
    ],
    {
      STUNNER_GATEWAY_OPERATOR_DATAPLANE_MODE: 'whatever',
      STUNNER_GATEWAY_OPERATOR_LABEL_FILTER: 'a, b',
      STUNNER_GATEWAY_OPERATOR_ADDRESS: '10.0.0.5',
    },
  );
  assert.equal(f.controllerName, 'example.com/gw');
  assert.equal(f.dataplaneMode, 'legacy');
  assert.deepEqual(f.cds, { host: '127.0.0.1', port: 14000 });
  assert.equal(f.advertisedAddress, '10.0.0.5');
  assert.equal(f.endpointDiscovery, false);
  assert.equal(f.useEndpointSlices, false);
  assert.equal(f.enableFinalizer, true);
  assert.equal(f.throttleMs, 1000);
  assert.equal(f.metrics, undefined);
  assert.deepEqual(f.health, { host: '::1', port: 9000 });
  assert.equal(f.leaderElect, true);
  assert.deepEqual(f.labelFilter, ['a', 'b']);
});

test('a malformed duration or address is a FlagError naming the flag', () => {
  assert.throws(
    () => parseOperatorFlags(['--throttle-timeout=soon'], {}),
    (e: unknown) =>
      e instanceof FlagError && e.code === 'OPERATOR_ERR_FLAG_DURATION' && /throttle-timeout/.test(e.message),
  );
  assert.throws(
    () => parseOperatorFlags(['--metrics-bind-address=8080'], {}),
    (e: unknown) =>
      e instanceof FlagError && e.code === 'OPERATOR_ERR_FLAG_ADDRESS' && /metrics-bind-address/.test(e.message),
  );
});

test('the CDS server cannot be turned off', () => {
  assert.throws(() => parseOperatorFlags(['--config-discovery-address=0'], {}), {
    name: 'FlagError',
    code: 'OPERATOR_ERR_FLAG_CDS_OFF',
    message: /--config-discovery-address=0: cannot be off/,
  });
});

test('an unknown flag or a flag without its value is a FlagError listing the known flags', () => {
  for (const argv of [['--throttle=1s'], ['--throttle-timeout'], ['stray']]) {
    assert.throws(
      () => parseOperatorFlags(argv, {}),
      (e: unknown) =>
        e instanceof FlagError &&
        e.code === 'OPERATOR_ERR_FLAG_INVALID' &&
        /known flags: .*--throttle-timeout/.test(e.message),
      argv.join(' '),
    );
  }
});

test('--zap-log-level and --zap-encoder become a STUNner log spec and format', () => {
  const d = parseOperatorFlags([], {});
  assert.equal(d.logSpec, 'all:INFO');
  assert.equal(d.logFormat, 'text');
  assert.equal(parseOperatorFlags(['--zap-log-level=debug'], {}).logSpec, 'all:DEBUG');
  assert.equal(parseOperatorFlags(['--zap-log-level=Error'], {}).logSpec, 'all:ERROR');
  assert.equal(parseOperatorFlags(['--zap-log-level=2'], {}).logSpec, 'all:TRACE');
  assert.equal(parseOperatorFlags(['--zap-log-level=all:INFO,updater:DEBUG'], {}).logSpec, 'all:INFO,updater:DEBUG');
  assert.equal(parseOperatorFlags(['--zap-encoder=json'], {}).logFormat, 'json');
  assert.equal(parseOperatorFlags(['--zap-encoder=console'], {}).logFormat, 'text');
});

test('a bad log level, spec or encoder is a FlagError saying what to give', () => {
  for (const [flag, code, why] of [
    ['--zap-log-level=loud', 'OPERATOR_ERR_FLAG_LOG_LEVEL', /give debug, info, warn, error/],
    [
      '--zap-log-level=all:LOUD',
      'OPERATOR_ERR_FLAG_LOG_LEVEL',
      /--zap-log-level=all:LOUD: invalid log spec .*"LOUD" is not a level/,
    ],
    ['--zap-encoder=xml', 'OPERATOR_ERR_FLAG_LOG_FORMAT', /give console or json/],
  ] as const) {
    assert.throws(
      () => parseOperatorFlags([flag], {}),
      (e: unknown) => e instanceof FlagError && e.code === code && why.test(e.message),
      flag,
    );
  }
});
