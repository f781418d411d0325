import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { freePort } from '@stunner/testing';
import { udpGreeterProcess } from './turncat-process.ts';

describe('udp-greeter', () => {
  it('answers every datagram with the greeting, as the STUNner README example does', async () => {
    const port = await freePort();
    const greeter = udpGreeterProcess(['--address', '127.0.0.1', '--port', String(port)]);
    const socket = createSocket('udp4');
    try {
      await greeter.waitFor(new RegExp(`udp-greeter listening on 127\\.0\\.0\\.1:${port}`));
      for (const input of ['Hello STUNner\n', 'again']) {
        socket.send(input, port, '127.0.0.1');
        const [msg] = await once(socket, 'message', { signal: AbortSignal.timeout(5000) });
        assert.equal(msg.toString(), 'Greetings from STUNner!\n');
      }
    } finally {
      socket.close();
      await greeter.stop();
    }
    assert.equal(await greeter.exited(), 0);
  });
});
