import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoggerFactory, parseLogSpec } from '../src/logger.ts';

describe('log specs (all:WARN,turncat:DEBUG)', () => {
  it('sets a level per scope with all as the default', () => {
    const spec = parseLogSpec('all:warn, turncat:DEBUG');
    assert.equal(spec.get('all'), 'WARN');
    assert.equal(spec.get('turncat'), 'DEBUG');
    const lines: string[] = [];
    const f = new LoggerFactory('all:WARN,turncat:DEBUG', (l) => lines.push(l));
    f.get('turncat').debug('shown');
    f.get('other').info('hidden');
    f.get('other').warn('shown too');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} turncat DEBUG: shown\n$/);
    assert.match(lines[1]!, / other WARN: shown too\n$/);
  });

  it('defaults to WARN and refuses malformed specs', () => {
    assert.equal(new LoggerFactory('').levelOf('turncat'), 'WARN');
    for (const bad of ['all', 'all:LOUD', 'a:b:c']) {
      assert.throws(() => parseLogSpec(bad), { code: 'TURNCAT_ERR_LOG_SPEC' }, bad);
    }
  });
});
