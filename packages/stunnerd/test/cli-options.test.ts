import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStunnerdCli, STUNNERD_USAGE } from '@stunner/stunnerd';

const env = { STUNNER_NAMESPACE: 'ns', STUNNER_NAME: 'gw' };

describe('stunnerd command line (stunner-v1.md §1.4)', () => {
  it('reads STUNner flags, the quick-mode URI and the id from the environment', () => {
    const cli = parseStunnerdCli(['-w', '-c', 'ws://cds:13478', '-u', '16', '--log-format', 'json', '-v'], env);
    assert.equal(cli.configOrigin, 'ws://cds:13478');
    assert.equal(cli.watch, true);
    assert.equal(cli.udpThreadNum, 16);
    assert.equal(cli.logFormat, 'json');
    assert.equal(cli.logSpec, 'all:DEBUG');
    assert.equal(cli.id, 'ns/gw');
    assert.equal(parseStunnerdCli(['turn://u:p@1.2.3.4:3478'], env).quickUri, 'turn://u:p@1.2.3.4:3478');
    assert.equal(parseStunnerdCli([], env).udpThreadNum, 0);
    assert.equal(parseStunnerdCli([], env).logSpec, undefined, 'no -l: the config decides');
    assert.equal(parseStunnerdCli(['-l', 'all:WARN,turn:debug'], env).logSpec, 'all:WARN,turn:debug');
  });

  it('reads the per-source limits on challenges and failed authentications', () => {
    const defaults = parseStunnerdCli([], env);
    assert.equal(defaults.challengeRateLimit, 5000);
    assert.equal(defaults.authFailureRateLimit, 20);
    const set = parseStunnerdCli(['--challenge-rate-limit', '0', '--auth-failure-rate-limit=5'], env);
    assert.equal(set.challengeRateLimit, 0);
    assert.equal(set.authFailureRateLimit, 5);
  });

  const refused: Array<[string, string[], string, RegExp]> = [
    ['--log-format xml', ['--log-format', 'xml'], 'STUNNERD_ERR_LOG_FORMAT', /--log-format xml: use text or json/],
    ['-u x', ['-u', 'x'], 'STUNNERD_ERR_UDP_THREAD_NUM', /--udp-thread-num x: use a whole number from 0 to 256/],
    ['-u 257', ['-u', '257'], 'STUNNERD_ERR_UDP_THREAD_NUM', /--udp-thread-num 257/],
    ['-u -1', ['--udp-thread-num=-1'], 'STUNNERD_ERR_UDP_THREAD_NUM', /--udp-thread-num -1/],
    ['two URIs', ['turn://a:b@1.2.3.4', 'turn://c:d@1.2.3.4'], 'STUNNERD_ERR_ARGUMENTS', /one quick-mode URI at most/],
    ['-i gw', ['-i', 'gw'], 'STUNNERD_ERR_ID', /--id gw: use <namespace>\/<name>/],
    [
      '--challenge-rate-limit x',
      ['--challenge-rate-limit', 'x'],
      'STUNNERD_ERR_RATE_LIMIT',
      /--challenge-rate-limit x/,
    ],
    [
      '-l turn:LOUD',
      ['-l', 'all:INFO,turn:LOUD'],
      'STUNNERD_ERR_LOG_SPEC',
      /-l: invalid log spec .*"LOUD" is not a level/,
    ],
  ];
  for (const [what, argv, code, message] of refused) {
    it(`refuses ${what} with ${code}`, () => {
      assert.throws(() => parseStunnerdCli(argv, env), { name: 'StunnerdError', code, message });
    });
  }

  it('answers -h with the usage text', () => {
    assert.throws(() => parseStunnerdCli(['-h'], env), { code: 'STUNNERD_ERR_USAGE', message: STUNNERD_USAGE });
  });
});
