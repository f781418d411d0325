// turncat's logging goes through @stunner/log (whose own tests pin the spec and the line formats);
// these check what the turncat program makes of -l/-v and where its lines go.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { LogLevel, levelFor, parseLogSpec } from '@stunner/log';
import { parseTurncatArgs, TURNCAT_DEFAULT_LOG_SPEC } from '../src/turncat-args.ts';
import { runTurncat } from '../src/turncat-main.ts';

const server = 'turn://alice:hunter2@127.0.0.1:3478?transport=udp';

function collect(stream: PassThrough): () => string {
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return () => chunks.join('');
}

const dir = mkdtempSync(join(tmpdir(), 'turncat-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;

// A unix-socket listener: turncat binds it without contacting the server (it allocates per client).
async function runAndClose(log: string[]): Promise<{ stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const listen = `unix://${join(dir, `s${runs++}`)}`;
  const turncat = await runTurncat([...log, listen, server, 'udp://127.0.0.1:9'], {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env: {},
  });
  assert.ok(turncat, 'runTurncat should start a tunnel');
  await turncat.close();
  await new Promise((r) => setImmediate(r));
  return { stdout: out(), stderr: err() };
}

describe('turncat log specs (all:WARN,turncat:DEBUG)', () => {
  it('sets a level per scope with all as the default', () => {
    const spec = parseLogSpec(parseTurncatArgs(['-l', 'all:warn, turncat:DEBUG', '-', 's', 'p']).log);
    assert.equal(levelFor(spec, 'turncat'), LogLevel.DEBUG);
    assert.equal(levelFor(spec, 'other'), LogLevel.WARN);
  });

  it('defaults to WARN and refuses malformed specs', () => {
    assert.equal(TURNCAT_DEFAULT_LOG_SPEC, 'all:WARN');
    const spec = parseLogSpec(parseTurncatArgs(['-', 's', 'p']).log);
    assert.equal(levelFor(spec, 'turncat'), LogLevel.WARN);
    for (const bad of ['all', 'all:LOUD', 'a:b:c']) {
      assert.throws(
        () => parseTurncatArgs(['-l', bad, '-', 's', 'p']),
        { code: 'LOG_ERR_BAD_SPEC', message: /invalid log spec/ },
        bad,
      );
    }
  });

  it('logs to stderr at the levels of -l, never to stdout, never the password', async () => {
    const info = await runAndClose(['-l', 'all:INFO']);
    assert.equal(info.stdout, '');
    assert.match(
      info.stderr,
      /^\d\d:\d\d:\d\d\.\d{6} turncat INFO: Turncat client listening on unix:\/\/\S+, TURN server: udp:\/\/127\.0\.0\.1:3478/,
    );
    assert.doesNotMatch(info.stderr, /hunter2/);
    const quiet = await runAndClose([]);
    assert.equal(quiet.stderr, '', 'the default all:WARN hides INFO lines');
    const verbose = await runAndClose(['-l', 'all:ERROR', '-v']);
    assert.match(verbose.stderr, / turncat INFO: /, '-v means all:DEBUG and wins over -l');
  });
});
