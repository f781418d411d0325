import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoggerFactory, LogLevel, parseLogSpec } from '@stunner/stunnerd';

describe('log spec (stunner-v1.md §1.13)', () => {
  it('sets scope levels case-insensitively', () => {
    const { spec } = parseLogSpec('all:INFO,turn:debug,cds-client:Trace');
    assert.equal(spec.defaultLevel, LogLevel.INFO);
    assert.equal(spec.scopes.get('turn'), LogLevel.DEBUG);
    assert.equal(spec.scopes.get('cds-client'), LogLevel.TRACE);
  });

  it('lets all:X override the scopes set before it, not after', () => {
    assert.equal(parseLogSpec('turn:INFO,all:DEBUG').spec.scopes.size, 0);
    assert.equal(parseLogSpec('all:DEBUG,turn:INFO').spec.scopes.get('turn'), LogLevel.INFO);
  });

  it('ignores malformed items and reports them', () => {
    const { spec, unknown } = parseLogSpec('all:WARN,turn,relay:LOUD,:INFO');
    assert.equal(spec.defaultLevel, LogLevel.WARN);
    assert.deepEqual(unknown, ['turn', 'relay:LOUD', ':INFO']);
  });

  it('defaults to ERROR', () => {
    assert.equal(parseLogSpec('').spec.defaultLevel, LogLevel.ERROR);
  });
});

describe('LoggerFactory', () => {
  const at = Date.UTC(2026, 10, 23, 1, 2, 3, 456);
  function capture(options: { spec?: string; format?: 'text' | 'json' } = {}) {
    const lines: string[] = [];
    const factory = new LoggerFactory({ ...options, write: (l) => lines.push(l), now: () => at });
    return { factory, lines };
  }

  it('writes text lines with time, scope and level', () => {
    const { factory, lines } = capture({ spec: 'all:INFO' });
    factory.getLogger('reconciler').info('listener started', { name: 'udp', port: 3478 });
    assert.deepEqual(lines, ['01:02:03.456000 reconciler INFO: listener started name=udp port=3478\n']);
  });

  it('writes JSON lines', () => {
    const { factory, lines } = capture({ spec: 'all:DEBUG', format: 'json' });
    factory.getLogger('turn').debug('allocation', { client: '1.2.3.4:5' });
    assert.deepEqual(JSON.parse(lines[0]!), {
      time: '2026-11-23T01:02:03.456Z',
      level: 'DEBUG',
      scope: 'turn',
      msg: 'allocation',
      client: '1.2.3.4:5',
    });
  });

  it('drops messages above the scope level', () => {
    const { factory, lines } = capture({ spec: 'all:WARN,turn:DEBUG' });
    factory.getLogger('stunnerd').info('hidden');
    factory.getLogger('turn').debug('shown');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /turn DEBUG: shown/);
  });

  it('re-levels existing loggers when the spec changes', () => {
    const { factory, lines } = capture({ spec: 'all:ERROR' });
    const log = factory.getLogger('admin');
    log.info('before');
    factory.setSpec('all:INFO');
    log.info('after');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /after/);
  });

  it('never writes credentials, keys or certificates', () => {
    const { factory, lines } = capture({ spec: 'all:TRACE' });
    factory.getLogger('auth').info('config', { password: 'hunter2', secret: 's3', key: 'PEM', username: 'alice' });
    assert.doesNotMatch(lines[0]!, /hunter2|s3|PEM/);
    assert.match(lines[0]!, /username=alice/);
  });
});
