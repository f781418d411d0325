import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  Attr,
  decodeStunMessage,
  ErrorCode,
  MessageClass,
  Method,
  StunMessageBuilder,
  UnknownAttributes,
  XorMappedAddress,
} from '@stunner/stun';
import { respondToBinding } from '@stunner/stunnerd';

const client = { family: 'IPv4', address: '192.0.2.7', port: 40000 } as const;

describe('Binding responder', () => {
  it('answers a Binding request with the XOR-MAPPED-ADDRESS of the sender and nothing else', () => {
    const req = new StunMessageBuilder(Method.Binding, MessageClass.Request).build();
    const res = decodeStunMessage(respondToBinding(req, client)!);
    assert.equal(res.messageClass, MessageClass.SuccessResponse);
    assert.deepEqual(res.transactionId, req.subarray(8, 20));
    assert.deepEqual(res.get(XorMappedAddress), client);
    assert.deepEqual(
      res.attributes.map((a) => a.type),
      [Attr.XorMappedAddress],
    );
  });

  it('keeps the response within twice the request size', () => {
    const req = new StunMessageBuilder(Method.Binding, MessageClass.Request).build();
    assert.ok(respondToBinding(req, client)!.length <= 2 * req.length);
  });

  it('reports an IPv4-mapped sender as IPv4', () => {
    const req = new StunMessageBuilder(Method.Binding, MessageClass.Request).build();
    const res = decodeStunMessage(respondToBinding(req, { family: 'IPv6', address: '::ffff:127.0.0.1', port: 5000 })!);
    assert.deepEqual(res.get(XorMappedAddress), { family: 'IPv4', address: '127.0.0.1', port: 5000 });
  });

  it('answers FINGERPRINT with FINGERPRINT', () => {
    const req = new StunMessageBuilder(Method.Binding, MessageClass.Request).build({ fingerprint: true });
    assert.ok(decodeStunMessage(respondToBinding(req, client)!).fingerprintOffset > 0);
  });

  it('answers unknown comprehension-required attributes with 420 listing them', () => {
    const req = new StunMessageBuilder(Method.Binding, MessageClass.Request)
      .addRaw(0x0077, Buffer.alloc(4))
      .addRaw(0x8077, Buffer.alloc(4))
      .build();
    const res = decodeStunMessage(respondToBinding(req, client)!);
    assert.equal(res.messageClass, MessageClass.ErrorResponse);
    assert.equal(res.get(ErrorCode)?.code, 420);
    assert.deepEqual(res.get(UnknownAttributes), [0x0077]);
  });

  it('answers other request methods with 400', () => {
    const req = new StunMessageBuilder(Method.Allocate, MessageClass.Request).build();
    assert.equal(decodeStunMessage(respondToBinding(req, client)!).get(ErrorCode)?.code, 400);
  });

  it('stays silent on indications, responses and non-STUN bytes', () => {
    assert.equal(
      respondToBinding(new StunMessageBuilder(Method.Binding, MessageClass.Indication).build(), client),
      undefined,
    );
    assert.equal(
      respondToBinding(new StunMessageBuilder(Method.Binding, MessageClass.SuccessResponse).build(), client),
      undefined,
    );
    assert.equal(respondToBinding(Buffer.from('GET / HTTP/1.1\r\n\r\n'), client), undefined);
  });
});

describe('stunnerd main (interim Binding server)', () => {
  it('answers coturn turnutils_stunclient', async (t) => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const daemon = spawn(process.execPath, [main, '--port', '0', '--address', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => daemon.kill('SIGTERM'));
    const [line] = (await once(daemon.stdout, 'data')) as [Buffer];
    const port = /port (\d+)/.exec(line.toString())?.[1];
    assert.ok(port, `no port in "${line}"`);

    const out = await new Promise<string>((resolve, reject) => {
      execFile('turnutils_stunclient', ['-p', port, '127.0.0.1'], { timeout: 10_000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
    });
    assert.match(out, /UDP reflexive addr: 127\.0\.0\.1:\d+/);

    daemon.kill('SIGTERM');
    const [code] = await once(daemon, 'exit');
    assert.equal(code, 0);
  });
});
