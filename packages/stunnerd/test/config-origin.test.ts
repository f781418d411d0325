import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigOrigin } from '@stunner/stunnerd';

describe('config origin (-c)', () => {
  it('reads file://, CDS URLs, IP:port and bare addresses', () => {
    assert.deepEqual(parseConfigOrigin('file:///etc/stunnerd/stunnerd.conf'), {
      kind: 'file',
      path: '/etc/stunnerd/stunnerd.conf',
    });
    const cds = (o: string) => {
      const r = parseConfigOrigin(o);
      assert.equal(r.kind, 'cds');
      return r.kind === 'cds' ? r.base.toString() : '';
    };
    assert.equal(cds('http://stunner-cds.stunner-system:13478'), 'http://stunner-cds.stunner-system:13478/');
    assert.equal(cds('ws://10.0.0.1:1234'), 'ws://10.0.0.1:1234/');
    assert.equal(cds('10.0.0.1:13478'), 'http://10.0.0.1:13478/');
    assert.equal(cds(':13478'), 'http://127.0.0.1:13478/');
    assert.equal(cds(''), 'http://127.0.0.1:13478/');
    assert.equal(cds('cds.example'), 'http://cds.example:13478/');
    assert.equal(cds('/etc/stunnerd.conf'), 'http://127.0.0.1:13478/');
    const bare = parseConfigOrigin('/etc/stunnerd.conf');
    assert.match(bare.kind === 'cds' ? (bare.warning ?? '') : '', /write file:\/\/\/etc\/stunnerd.conf for a file/);
  });

  it('explains what it cannot use', () => {
    assert.throws(() => parseConfigOrigin('k8s'), { code: 'STUNNER_ERR_CONFIG_ORIGIN', message: /not supported/ });
    assert.throws(() => parseConfigOrigin('ftp://x'), { code: 'STUNNER_ERR_CONFIG_ORIGIN' });
    assert.throws(() => parseConfigOrigin('file://'), { code: 'STUNNER_ERR_CONFIG_ORIGIN' });
  });
});
