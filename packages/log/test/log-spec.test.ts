import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LogLevel,
  LogSpecError,
  levelFor,
  logSpecFromFlags,
  parseLogSpec,
  parseLogSpecLenient,
  VERBOSE_LOG_SPEC,
} from '@stunner/log';

describe('parseLogSpec (stunner-v1.md §1.13)', () => {
  it('sets scope levels case-insensitively', () => {
    const spec = parseLogSpec('all:INFO,turn:debug,cds-client:Trace');
    assert.equal(spec.defaultLevel, LogLevel.INFO);
    assert.equal(spec.scopes.get('turn'), LogLevel.DEBUG);
    assert.equal(spec.scopes.get('cds-client'), LogLevel.TRACE);
  });

  it('sets a level per scope with all as the default, around white space', () => {
    const spec = parseLogSpec('all:warn, turncat:DEBUG');
    assert.equal(spec.defaultLevel, LogLevel.WARN);
    assert.equal(spec.scopes.get('turncat'), LogLevel.DEBUG);
    assert.equal(levelFor(spec, 'turncat'), LogLevel.DEBUG);
    assert.equal(levelFor(spec, 'other'), LogLevel.WARN);
  });

  it('reads ALL in any case as the default', () => {
    assert.equal(parseLogSpec('ALL:info').defaultLevel, LogLevel.INFO);
  });

  it('lets all:X override the scopes set before it, not after', () => {
    assert.equal(parseLogSpec('turn:INFO,all:DEBUG').scopes.size, 0);
    assert.equal(parseLogSpec('all:DEBUG,turn:INFO').scopes.get('turn'), LogLevel.INFO);
  });

  it('lets a later item override an earlier one', () => {
    assert.equal(parseLogSpec('turn:DEBUG,turn:WARN').scopes.get('turn'), LogLevel.WARN);
    assert.equal(parseLogSpec('all:TRACE,all:ERROR').defaultLevel, LogLevel.ERROR);
  });

  it('reads every level, DISABLE included', () => {
    const spec = parseLogSpec('a:disable,b:error,c:warn,d:info,e:debug,f:trace');
    assert.deepEqual([...spec.scopes.values()], [0, 1, 2, 3, 4, 5]);
  });

  it('defaults to ERROR', () => {
    assert.equal(parseLogSpec('').defaultLevel, LogLevel.ERROR);
    assert.equal(levelFor(parseLogSpec('turn:DEBUG'), 'stunnerd'), LogLevel.ERROR);
  });

  it('skips empty items', () => {
    const spec = parseLogSpec('all:INFO,,turn:DEBUG,');
    assert.equal(spec.defaultLevel, LogLevel.INFO);
    assert.equal(spec.scopes.get('turn'), LogLevel.DEBUG);
  });

  it('refuses malformed specs with LOG_ERR_BAD_SPEC and says what to fix', () => {
    const cases: [string, RegExp][] = [
      ['all', /"all" has no level: write all:<LEVEL>/],
      ['all:LOUD', /"LOUD" is not a level: use one of DISABLE, ERROR, WARN, INFO, DEBUG, TRACE/],
      ['a:b:c', /"a:b:c" has more than one ":"/],
      [':INFO', /":INFO" has no scope before the ":": write all:INFO/],
      ['turn:', /"turn:" has no level after the ":"/],
      ['tu rn:INFO', /scope "tu rn" contains white space/],
    ];
    for (const [bad, why] of cases) {
      assert.throws(
        () => parseLogSpec(bad),
        (err: unknown) => {
          assert.ok(err instanceof LogSpecError, bad);
          assert.equal(err.code, 'LOG_ERR_BAD_SPEC', bad);
          assert.match(err.message, why, bad);
          assert.match(err.message, /e\.g\. all:INFO,turn:DEBUG/, bad);
          return true;
        },
        bad,
      );
    }
  });

  it('names every bad item in one error', () => {
    assert.throws(
      () => parseLogSpec('all:INFO,turn,relay:LOUD'),
      (err: unknown) => {
        assert.ok(err instanceof LogSpecError);
        assert.deepEqual(
          err.problems.map((p) => p.item),
          ['turn', 'relay:LOUD'],
        );
        assert.match(err.message, /^invalid log spec "all:INFO,turn,relay:LOUD": /);
        return true;
      },
    );
  });
});

describe('parseLogSpecLenient (a config admin.loglevel)', () => {
  it('ignores malformed items and reports them', () => {
    const { spec, problems } = parseLogSpecLenient('all:WARN,turn,relay:LOUD,:INFO');
    assert.equal(spec.defaultLevel, LogLevel.WARN);
    assert.deepEqual(
      problems.map((p) => p.item),
      ['turn', 'relay:LOUD', ':INFO'],
    );
  });

  it('means the same as parseLogSpec for a good spec', () => {
    const text = 'turn:TRACE,all:INFO,relay-udp:debug,turn:warn';
    assert.deepEqual(parseLogSpecLenient(text), { spec: parseLogSpec(text), problems: [] });
  });
});

describe('logSpecFromFlags (-l and -v)', () => {
  it('makes -v mean all:DEBUG, winning over -l', () => {
    assert.equal(VERBOSE_LOG_SPEC, 'all:DEBUG');
    assert.equal(logSpecFromFlags({ log: 'all:WARN', verbose: true }, 'all:INFO'), 'all:DEBUG');
  });

  it('takes -l, else the program default, else undefined', () => {
    assert.equal(logSpecFromFlags({ log: 'turn:DEBUG' }, 'all:INFO'), 'turn:DEBUG');
    assert.equal(logSpecFromFlags({ verbose: false }, 'all:WARN'), 'all:WARN');
    assert.equal(logSpecFromFlags({}), undefined);
  });
});
