import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, type LogFormat, LoggerFactory, LogLevel, LogSpecError, parseLogFormat } from '@stunner/log';

const at = Date.UTC(2026, 10, 23, 1, 2, 3, 456);
function capture(options: { spec?: string; format?: LogFormat } = {}) {
  const lines: string[] = [];
  const factory = new LoggerFactory({ ...options, output: (l) => lines.push(l), now: () => at });
  return { factory, lines };
}

describe('LoggerFactory', () => {
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

  it('keeps a JSON line its own keys when a field has the same name', () => {
    const { factory, lines } = capture({ spec: 'all:INFO', format: 'json' });
    factory.getLogger('turn').info('hello', { level: 'x', msg: 'y' });
    const line = JSON.parse(lines[0]!);
    assert.equal(line.level, 'INFO');
    assert.equal(line.msg, 'hello');
    assert.equal(line['field.level'], 'x');
    assert.equal(line['field.msg'], 'y');
  });

  it('quotes text values that would read as more than one field', () => {
    const { factory, lines } = capture({ spec: 'all:INFO' });
    factory.getLogger('admin').info('m', { reason: 'port in use', empty: '', nested: { a: [1, 2] }, none: null });
    assert.equal(
      lines[0],
      '01:02:03.456000 admin INFO: m reason="port in use" empty="" nested={"a":[1,2]} none=null\n',
    );
  });

  it('drops messages above the scope level', () => {
    const { factory, lines } = capture({ spec: 'all:WARN,turn:DEBUG' });
    factory.getLogger('stunnerd').info('hidden');
    factory.getLogger('turn').debug('shown');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /turn DEBUG: shown/);
  });

  it('sets a level per scope with all as the default (turncat)', () => {
    const lines: string[] = [];
    const f = new LoggerFactory({ spec: 'all:WARN,turncat:DEBUG', output: (l) => lines.push(l) });
    f.getLogger('turncat').debug('shown');
    f.getLogger('other').info('hidden');
    f.getLogger('other').warn('shown too');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{6} turncat DEBUG: shown\n$/);
    assert.match(lines[1]!, / other WARN: shown too\n$/);
  });

  it('prints nothing for a DISABLE scope, not even errors', () => {
    const { factory, lines } = capture({ spec: 'all:TRACE,quiet:DISABLE' });
    const log = factory.getLogger('quiet');
    log.error('no');
    assert.equal(log.enabled(LogLevel.ERROR), false);
    assert.equal(log.enabled(LogLevel.DISABLE), false);
    assert.deepEqual(lines, []);
  });

  it('defaults every scope to ERROR without a spec', () => {
    const { factory, lines } = capture();
    const log = factory.getLogger('x');
    log.warn('hidden');
    log.error('shown');
    assert.equal(factory.levelOf('x'), LogLevel.ERROR);
    assert.equal(lines.length, 1);
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

  it('re-levels with() loggers and scopes made later too', () => {
    const { factory, lines } = capture({ spec: 'all:ERROR' });
    const bound = factory.getLogger('relay').with({ listener: 'udp' });
    factory.setSpec('all:WARN,relay:DEBUG,later:INFO');
    bound.debug('bound');
    factory.getLogger('later').info('later');
    factory.getLogger('other').info('hidden');
    assert.deepEqual(
      lines.map((l) => l.slice(16)),
      ['relay DEBUG: bound listener=udp\n', 'later INFO: later\n'],
    );
  });

  it('refuses a malformed spec and keeps the levels it had', () => {
    const { factory } = capture({ spec: 'all:INFO' });
    const log = factory.getLogger('turn');
    assert.throws(() => factory.setSpec('all:DEBUG,turn:LOUD'), { code: 'LOG_ERR_BAD_SPEC' });
    assert.equal(log.level, LogLevel.INFO);
    assert.throws(() => new LoggerFactory({ spec: 'all' }), LogSpecError);
  });

  it('applies the good items of a config spec and returns the bad ones', () => {
    const { factory } = capture({ spec: 'all:ERROR' });
    const problems = factory.setSpecLenient('all:INFO,turn:LOUD,relay:DEBUG');
    assert.deepEqual(
      problems.map((p) => p.item),
      ['turn:LOUD'],
    );
    assert.equal(factory.levelOf('turn'), LogLevel.INFO);
    assert.equal(factory.levelOf('relay'), LogLevel.DEBUG);
  });

  it('builds no message for a disabled level', () => {
    const { factory, lines } = capture({ spec: 'all:INFO' });
    const log = factory.getLogger('turn');
    let built = 0;
    const message = () => {
      built++;
      return 'expensive';
    };
    log.debug(message);
    log.trace(message);
    assert.equal(built, 0);
    assert.equal(log.enabled(LogLevel.DEBUG), false);
    assert.equal(log.enabled(LogLevel.INFO), true);
    log.info(message);
    assert.equal(built, 1);
    assert.match(lines[0]!, /turn INFO: expensive/);
  });

  it('hands out one logger per scope and other scopes from child()', () => {
    const { factory, lines } = capture({ spec: 'all:INFO' });
    const log = factory.getLogger('stunnerd');
    assert.equal(factory.getLogger('stunnerd'), log);
    assert.equal(log.child('cds-client'), factory.getLogger('cds-client'));
    log.child('cds-client').info('connected');
    assert.match(lines[0]!, / cds-client INFO: connected\n$/);
  });

  it('adds with() fields to every line, the call fields winning', () => {
    const { factory, lines } = capture({ spec: 'all:INFO' });
    const log = factory.getLogger('listener').with({ name: 'udp', port: 1 }).with({ port: 3478 });
    log.info('up', { port: 3479 });
    log.info('again');
    assert.equal(lines[0]!.slice(16), 'listener INFO: up name=udp port=3479\n');
    assert.equal(lines[1]!.slice(16), 'listener INFO: again name=udp port=3478\n');
  });

  it('writes to an injected writable', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    createLogger('turncat', { spec: 'all:INFO', output: out, now: () => at }).info('hi');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(chunks, ['01:02:03.456000 turncat INFO: hi\n']);
  });

  it('writes to stderr by default, never stdout', () => {
    const script = "import { createLogger } from '@stunner/log'; createLogger('p', { spec: 'all:INFO' }).info('hi');";
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, '');
    assert.match(child.stderr, /^\d\d:\d\d:\d\d\.\d{6} p INFO: hi\n$/);
  });
});

describe('parseLogFormat (--log-format)', () => {
  it('takes text and json in any case', () => {
    assert.equal(parseLogFormat('text'), 'text');
    assert.equal(parseLogFormat('JSON'), 'json');
  });

  it('refuses anything else with LOG_ERR_BAD_FORMAT', () => {
    assert.throws(() => parseLogFormat('xml'), { code: 'LOG_ERR_BAD_FORMAT', message: /use text or json/ });
  });
});
