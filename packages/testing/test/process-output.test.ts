// watchProcess on the test's own Node: what a wait reports when the awaited output never comes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { watchProcess } from '@stunner/testing';

const node = (script: string) => watchProcess(process.execPath, ['-e', script], { name: 'greeter' });

describe('watchProcess', () => {
  it('resolves waitFor with the match and collects both streams', async () => {
    const p = node("process.stdout.write('port 4242\\n'); process.stderr.write('ready\\n')");
    const [, port] = await p.waitFor(/port (\d+)/);
    assert.equal(port, '4242');
    assert.equal(await p.exited(), 0);
    assert.equal(p.stderr(), 'ready\n');
  });

  it('names the program, what was awaited and the output so far when it exits first', async () => {
    const p = node("process.stdout.write('Hello\\n'); process.stderr.write('401 wrong credentials\\n')");
    const err = await p.waitFor(/Greetings/, { what: 'the greeting' }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e as Error,
    );
    assert.match(err.message, /^waiting for the greeting: greeter exited before printing \/Greetings\/ on stdout/);
    assert.match(err.message, /--- stdout ---\nHello\n/);
    assert.match(err.message, /--- stderr ---\n401 wrong credentials\n/);
  });

  it('names the program and the pattern on timeout', async () => {
    const p = node('setTimeout(() => {}, 10_000)');
    try {
      const err = await p.waitFor(/never/, { timeoutMs: 5 }).then(
        () => assert.fail('resolved'),
        (e: unknown) => e as Error,
      );
      assert.match(err.message, /^greeter did not print \/never\/ on stdout in 5 ms/);
    } finally {
      await p.stop();
    }
  });
});
