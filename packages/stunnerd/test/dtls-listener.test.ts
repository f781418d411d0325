import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DtlsListener, helloVerifyRequest, parseClientHello, withoutCookie } from '@stunner/stunnerd';

const dir = mkdtempSync(join(tmpdir(), 'stunnerd-dtls-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate and key made by openssl. */
function certificate(kind: 'ecdsa' | 'rsa'): { cert: string; key: string } {
  const key = join(dir, `${kind}.key`);
  const cert = join(dir, `${kind}.crt`);
  const keyArgs = kind === 'ecdsa' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  execFileSync(
    'openssl',
    ['req', '-x509', ...keyArgs, '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=stunner-test'],
    {
      stdio: 'ignore',
    },
  );
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

/** An echo server: every record the peer sends comes back prefixed with "echo:". */
async function echoServer(
  material: { cert: string; key: string },
  options: { handshakeTimeout?: number; maxHalfOpen?: number; maxHalfOpenPerSource?: number } = {},
) {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const listener = new DtlsListener(socket, { ...material, ...options });
  socket.on('message', (msg, rinfo) => listener.handleDatagram(msg, rinfo.address, rinfo.port));
  listener.on('session', (s) => s.on('data', (d) => s.send(Buffer.concat([Buffer.from('echo:'), d]))));
  return { socket, listener, port: (socket.address() as AddressInfo).port };
}

/** Runs openssl s_client -dtls1_2, sends one line, resolves with what came back. */
async function sClient(port: number, line: string): Promise<string> {
  const client = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-quiet', '-ign_eof'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const echoed = new Promise<string>((resolve, reject) => {
      client.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('echo:')) resolve(out);
      });
      client.on('exit', (code) => reject(new Error(`s_client exited ${code} before the echo`)));
    });
    client.stdin.write(`${line}\n`);
    return await Promise.race([
      echoed,
      new Promise<string>((_, reject) => setTimeout(() => reject(new Error('no echo within 10 s')), 10_000).unref()),
    ]);
  } finally {
    client.kill();
  }
}

/** Runs openssl s_client -dtls1_2 and sends `count` lines one at a time, each after the last echo. */
async function sClientLines(port: number, count: number): Promise<number> {
  const client = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-quiet', '-ign_eof'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  client.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  try {
    for (let i = 0; i < count; i++) {
      client.stdin.write(`line-${i}\n`);
      const deadline = Date.now() + 5000;
      while (!out.includes(`echo:line-${i}`)) {
        if (Date.now() > deadline || client.exitCode !== null) return i;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    return count;
  } finally {
    client.kill();
  }
}

function close(socket: Socket, listener: DtlsListener): void {
  listener.close();
  socket.close();
}

describe('DtlsListener with openssl s_client -dtls1_2', () => {
  for (const kind of ['ecdsa', 'rsa'] as const) {
    it(`completes the handshake and carries data with an ${kind.toUpperCase()} certificate`, async () => {
      const { socket, listener, port } = await echoServer(certificate(kind));
      try {
        const sessions = once(listener, 'session');
        assert.match(await sClient(port, 'hello-dtls'), /echo:hello-dtls/);
        const [session] = await sessions;
        assert.equal(session.remoteAddress, '127.0.0.1');
      } finally {
        close(socket, listener);
      }
    });
  }

  it('numbers application records past the handshake, so none is taken for a replay (RFC 6347 §4.1)', async () => {
    // werift-dtls numbers its Finished with the epoch-0 count (7 here) and restarts application data at
    // 1: without the listener's fix OpenSSL drops the 7th echo as a replay of the Finished.
    const { socket, listener, port } = await echoServer(certificate('ecdsa'));
    try {
      assert.equal(await sClientLines(port, 20), 20);
    } finally {
      close(socket, listener);
    }
  });

  it('serves two clients at once on one socket', async () => {
    const { socket, listener, port } = await echoServer(certificate('ecdsa'));
    try {
      const [a, b] = await Promise.all([sClient(port, 'one'), sClient(port, 'two')]);
      assert.match(a, /echo:one/);
      assert.match(b, /echo:two/);
    } finally {
      close(socket, listener);
    }
  });
});

describe('DtlsListener before the cookie', () => {
  /** A minimal DTLS 1.2 ClientHello record with the given cookie. */
  function clientHello(cookie: Buffer, random = Buffer.alloc(32, 7), version = 0xfefd): Buffer {
    const body = Buffer.concat([
      Buffer.from([version >> 8, version & 0xff]),
      random,
      Buffer.from([0]),
      Buffer.from([cookie.length]),
      cookie,
      Buffer.from([0, 2, 0xc0, 0x2b, 1, 0]),
      // Extensions: supported_groups x25519 and P-256, signature_algorithms ecdsa_secp256r1_sha256,
      // ec_point_formats uncompressed: enough for a server to go on with the handshake.
      Buffer.from('0018000a00060004001d0017000d000400020403000b00020100', 'hex'),
    ]);
    const hs = Buffer.alloc(12);
    hs[0] = 1;
    hs.writeUIntBE(body.length, 1, 3);
    hs.writeUInt16BE(cookie.length > 0 ? 1 : 0, 4);
    hs.writeUIntBE(body.length, 9, 3);
    const rec = Buffer.alloc(13);
    rec[0] = 22;
    rec.writeUInt16BE(0xfefd, 1);
    rec[10] = 5;
    rec.writeUInt16BE(12 + body.length, 11);
    return Buffer.concat([rec, hs, body]);
  }

  it('parses a ClientHello, answers with a HelloVerifyRequest, and strips the cookie again', () => {
    const hello = clientHello(Buffer.alloc(20, 9));
    const info = parseClientHello(hello)!;
    assert.deepEqual(info.cookie, Buffer.alloc(20, 9));
    const hvr = helloVerifyRequest(info.recordSequence, Buffer.alloc(20, 1));
    assert.equal(hvr[0], 22);
    assert.equal(hvr.readUInt16BE(1), 0xfeff);
    assert.equal(hvr[10], 5, 'echoes the record sequence number');
    assert.equal(hvr[13], 3);
    const stripped = withoutCookie(hello, info);
    assert.deepEqual(parseClientHello(stripped)!.cookie, Buffer.alloc(0));
    assert.equal(stripped.length, hello.length - 20);
    assert.equal(parseClientHello(Buffer.from('17fefd000100000000000100050102030405', 'hex')), undefined);
  });

  it('keeps no state for hellos without a valid cookie and drops other records from strangers', async () => {
    const { socket, listener, port } = await echoServer(certificate('ecdsa'));
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    try {
      const replies: Buffer[] = [];
      probe.on('message', (m) => replies.push(m));
      const reply = once(probe, 'message');
      for (let i = 0; i < 50; i++) probe.send(clientHello(Buffer.alloc(0), Buffer.alloc(32, i)), port, '127.0.0.1');
      probe.send(clientHello(Buffer.alloc(20, 0xaa)), port, '127.0.0.1');
      probe.send(Buffer.from('17fefd000100000000000100050102030405', 'hex'), port, '127.0.0.1');
      const [first] = (await reply) as [Buffer];
      assert.equal(first[13], 3, 'a HelloVerifyRequest');
      assert.ok(first.length <= clientHello(Buffer.alloc(0)).length + 20, 'no amplification beyond the cookie');
      assert.equal(listener.halfOpen, 0);
      assert.equal(listener.sessionCount, 0);
    } finally {
      probe.close();
      close(socket, listener);
    }
  });

  it('caps handshakes per source and drops those that never finish', async () => {
    const { socket, listener, port } = await echoServer(certificate('ecdsa'), { handshakeTimeout: 300 });
    const probes: Socket[] = [];
    const failures: string[] = [];
    listener.on('handshakeFailed', (_address, _port, reason) => failures.push(reason));
    try {
      // Ten peers on one IP each echo their cookie: eight handshakes open, two are refused.
      for (let i = 0; i < 10; i++) {
        const probe = createSocket('udp4');
        probes.push(probe);
        await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
        const random = Buffer.alloc(32, i);
        const reply = once(probe, 'message');
        probe.send(clientHello(Buffer.alloc(0), random), port, '127.0.0.1');
        const [hvr] = (await reply) as [Buffer];
        probe.send(clientHello(hvr.subarray(28), random), port, '127.0.0.1');
      }
      while (listener.halfOpen + failures.length < 10)
        await once(listener, 'handshakeFailed', { signal: AbortSignal.timeout(5000) });
      assert.equal(listener.halfOpen, 8);
      assert.deepEqual(failures, ['too many handshakes in progress', 'too many handshakes in progress']);
      while (listener.halfOpen > 0) await once(listener, 'handshakeFailed', { signal: AbortSignal.timeout(5000) });
      assert.equal(failures.filter((f) => f === 'handshake timed out').length, 8);
      assert.equal(listener.sessionCount, 0);
    } finally {
      for (const p of probes) p.close();
      close(socket, listener);
    }
  });

  it('gives a source new to a full half-open table the slot of the oldest handshake of the source holding the most', async () => {
    const { socket, listener, port } = await echoServer(certificate('ecdsa'), {
      handshakeTimeout: 20_000,
      maxHalfOpen: 4,
      maxHalfOpenPerSource: 2,
    });
    const probes: Socket[] = [];
    const failures: Array<[string, string]> = [];
    listener.on('handshakeFailed', (address, _port, reason) => failures.push([address, reason.split(':')[0]!]));
    /** One peer on `address` echoes its cookie; resolves once the listener took or refused the handshake. */
    const handshake = async (address: string, n: number) => {
      const probe = createSocket('udp4');
      probes.push(probe);
      await new Promise<void>((resolve) => probe.bind(0, address, resolve));
      const random = Buffer.alloc(32, n);
      const reply = once(probe, 'message');
      probe.send(clientHello(Buffer.alloc(0), random), port, '127.0.0.1');
      const [hvr] = (await reply) as [Buffer];
      const answered = once(probe, 'message', { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
      const refused = once(listener, 'handshakeFailed', { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
      probe.send(clientHello(hvr.subarray(28), random), port, '127.0.0.1');
      await Promise.race([answered, refused]);
    };
    try {
      // Two sources at their cap fill the table.
      for (const [i, a] of ['127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3'].entries()) await handshake(a, i);
      assert.equal(listener.halfOpen, 4);
      assert.deepEqual(failures, []);
      // A third and a fourth source each take a slot from a source holding two.
      await handshake('127.0.0.4', 10);
      await handshake('127.0.0.5', 11);
      assert.equal(listener.halfOpen, 4);
      assert.deepEqual(failures, [
        ['127.0.0.2', 'evicted'],
        ['127.0.0.3', 'evicted'],
      ]);
      // Now every source holds one: a fifth source still gets a slot, a second one from a holder does not.
      await handshake('127.0.0.6', 12);
      assert.deepEqual(failures[2], ['127.0.0.2', 'evicted']);
      await handshake('127.0.0.6', 13);
      assert.deepEqual(failures[3], ['127.0.0.6', 'too many handshakes in progress']);
      assert.equal(listener.halfOpen, 4);
    } finally {
      for (const p of probes) p.close();
      close(socket, listener);
    }
  });

  it('answers a DTLS 1.0 ClientHello, once its cookie is echoed, with a fatal protocol_version alert', async () => {
    const { socket, listener, port } = await echoServer(certificate('ecdsa'));
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    const failures: string[] = [];
    listener.on('handshakeFailed', (_a, _p, reason) => failures.push(reason));
    try {
      const random = Buffer.alloc(32, 3);
      let reply = once(probe, 'message');
      probe.send(clientHello(Buffer.alloc(0), random, 0xfeff), port, '127.0.0.1');
      const [hvr] = (await reply) as [Buffer];
      assert.equal(hvr[13], 3, 'the cookie exchange comes first: no alert to an unproven source');
      reply = once(probe, 'message');
      probe.send(clientHello(hvr.subarray(28), random, 0xfeff), port, '127.0.0.1');
      const [alert] = (await reply) as [Buffer];
      assert.deepEqual([...alert], [21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 5, 0, 2, 2, 70]);
      assert.equal(listener.halfOpen, 0);
      assert.deepEqual(failures, ['the client offers only DTLS 1.0; DTLS 1.2 is required']);
    } finally {
      probe.close();
      close(socket, listener);
    }
  });
});
