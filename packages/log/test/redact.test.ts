import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LogFormat, LoggerFactory, REDACTED, redactFields, redactText } from '@stunner/log';

function capture(format: LogFormat = 'text') {
  const lines: string[] = [];
  const factory = new LoggerFactory({ spec: 'all:TRACE', format, output: (l) => lines.push(l) });
  return { log: factory.getLogger('auth'), lines };
}

describe('redaction', () => {
  it('never writes credentials, keys or certificates', () => {
    const { log, lines } = capture();
    log.info('config', { password: 'hunter2', secret: 's3', key: 'PEM', username: 'alice' });
    assert.doesNotMatch(lines[0]!, /hunter2|s3|PEM/);
    assert.match(lines[0]!, /username=alice/);
  });

  it('matches secret field names in any case and spelling', () => {
    const names = [
      'Password',
      'passwd',
      'SHARED_SECRET',
      'sharedSecret',
      'credentials',
      'apiToken',
      'customerKey',
      'private_key',
      'tls-cert',
      'Authorization',
    ];
    const fields = Object.fromEntries(names.map((n) => [n, `value-of-${n}`]));
    const out = redactFields(fields);
    for (const n of names) assert.equal(out[n], REDACTED, n);
  });

  it('redacts at any depth, in objects, arrays and maps', () => {
    const { log, lines } = capture('json');
    log.info('config', {
      auth: { type: 'static', credentials: { username: 'alice', password: 'hunter2' } },
      listeners: [{ name: 'tls', cert: 'CERT-PEM', key: 'KEY-PEM' }],
      users: new Map([['bob', { password: 'pw-bob' }]]),
    });
    assert.doesNotMatch(lines[0]!, /hunter2|CERT-PEM|KEY-PEM|pw-bob/);
    const line = JSON.parse(lines[0]!);
    assert.equal(line.auth.type, 'static');
    assert.equal(line.auth.credentials, REDACTED);
    assert.equal(line.listeners[0].name, 'tls');
    assert.deepEqual(line.users, { bob: { password: REDACTED } });
  });

  it('hides the password of URIs in messages and values, keeping the user', () => {
    const { log, lines } = capture();
    log.info('server turn://alice:hunter2@10.0.0.1:3478?transport=udp', { uri: 'turns://bob:s3cr3t@example.com:443' });
    assert.doesNotMatch(lines[0]!, /hunter2|s3cr3t/);
    assert.match(lines[0]!, /turn:\/\/alice:<redacted>@10\.0\.0\.1:3478/);
    assert.match(lines[0]!, /turns:\/\/bob:<redacted>@example\.com/);
    assert.equal(redactText('udp://10.0.0.1:9001'), 'udp://10.0.0.1:9001');
  });

  it('writes errors as their code and message, bytes as a count, cycles once', () => {
    const err = Object.assign(new Error('no route to turn://u:pw@h:1'), { code: 'TURN_ERR_X' });
    const loop: Record<string, unknown> = { name: 'a' };
    loop.self = loop;
    const out = redactFields({ err, packet: Buffer.from('secret bytes'), loop, big: 10n });
    assert.equal(out.err, 'TURN_ERR_X: no route to turn://u:<redacted>@h:1');
    assert.equal(out.packet, '<12 bytes>');
    assert.deepEqual(out.loop, { name: 'a', self: '[Circular]' });
    assert.equal(out.big, '10');
  });

  it('leaves the caller object untouched', () => {
    const fields = { password: 'hunter2', nested: { token: 't' } };
    redactFields(fields);
    assert.deepEqual(fields, { password: 'hunter2', nested: { token: 't' } });
  });

  it('redacts with() fields too', () => {
    const { log, lines } = capture();
    log.with({ secret: 'bound-secret' }).info('m');
    assert.doesNotMatch(lines[0]!, /bound-secret/);
  });
});
