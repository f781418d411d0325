// DTLS ClientHello floods against the stunnerd process (turn.md §5.4: cap half-open handshakes,
// require the cookie). Hellos without a cookie, from 256 sources, get a stateless HelloVerifyRequest
// (memory flat); hellos that echo their cookie open handshakes up to the caps (8 per source, 256 per
// listener), no more. A handshake only starts, and its key pair is only made, after a valid cookie.
// With the table full (32 proven sources × 8), a new source takes the slot of the oldest handshake of
// the source holding the most, so a legitimate DTLS client still allocates.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { TurnClient } from '@stunner/client';
import { freeUdpPortPair, makeSelfSignedCert } from '@stunner/testing';
import { startStunnerd } from './support/stunnerd-process.ts';

const SECONDS = Number(process.env.DTLS_FLOOD_SECONDS ?? 3);

/** A minimal DTLS 1.2 ClientHello record (as in dtls-listener.test.ts, with an RSA suite too). */
function clientHello(cookie: Buffer, random: Buffer): Buffer {
  const body = Buffer.concat([
    Buffer.from([0xfe, 0xfd]),
    random,
    Buffer.from([0]),
    Buffer.from([cookie.length]),
    cookie,
    // ECDHE-ECDSA and ECDHE-RSA with AES-128-GCM, null compression; groups x25519 and P-256,
    // signatures ecdsa_secp256r1_sha256 and rsa_pkcs1_sha256, uncompressed points.
    Buffer.from([0, 4, 0xc0, 0x2b, 0xc0, 0x2f, 1, 0]),
    Buffer.from('001a000a00060004001d0017000d0006000404030401000b00020100', 'hex'),
  ]);
  const hs = Buffer.alloc(12);
  hs[0] = 1;
  hs.writeUIntBE(body.length, 1, 3);
  hs.writeUInt16BE(cookie.length > 0 ? 1 : 0, 4);
  hs.writeUIntBE(body.length, 9, 3);
  const rec = Buffer.alloc(13);
  rec[0] = 22;
  rec.writeUInt16BE(0xfefd, 1);
  rec.writeUInt16BE(12 + body.length, 11);
  return Buffer.concat([rec, hs, body]);
}

const isHvr = (m: Buffer) => m[0] === 22 && m[13] === 3;

async function bound(address: string): Promise<Socket> {
  const s = createSocket('udp4');
  s.on('error', () => {});
  await new Promise<void>((r) => s.bind(0, address, r));
  return s;
}

describe('DTLS ClientHello flood (stunnerd process)', { timeout: 120_000 }, () => {
  it('cookie-less hellos: stateless answers, memory flat; echoed cookies: half-open caps hold', async (t) => {
    const cert = makeSelfSignedCert();
    t.after(() => rmSync(dirname(cert.certPath), { recursive: true, force: true }));
    const port = await freeUdpPortPair();
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const daemon = await startStunnerd({
      listeners: [{ name: 'dtls', protocol: 'TURN-DTLS', port, cert: b64(cert.cert), key: b64(cert.key) }],
    });
    t.after(() => daemon.kill());

    // 1. Cookie-less hellos from 256 sources, paced at about 2000/s.
    const sources = await Promise.all(
      Array.from({ length: 256 }, (_, i) => bound(`127.6.${(i + 1) >> 8}.${(i + 1) & 0xff}`)),
    );
    t.after(() => {
      for (const s of sources) s.close();
    });
    let hvrs = 0;
    let other = 0;
    for (const s of sources) s.on('message', (m) => (isHvr(m) ? hvrs++ : other++));
    const rssBefore = daemon.rssKiB();
    let sent = 0;
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end) {
      for (let k = 0; k < 20; k++)
        sources[sent++ % sources.length]!.send(
          clientHello(Buffer.alloc(0), Buffer.alloc(32, sent & 0xff)),
          port,
          '127.0.0.1',
        );
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 500));
    const rssAfter = daemon.rssKiB();
    t.diagnostic(
      `cookie-less: ${sent} hellos, ${hvrs} HelloVerifyRequests, ${other} other records; RSS ${rssBefore} → ${rssAfter} KiB`,
    );
    assert.equal(other, 0, 'nothing but HelloVerifyRequests before a cookie');
    assert.ok(hvrs > sent * 0.5, `answered statelessly: ${hvrs}/${sent}`);
    assert.ok(rssAfter - rssBefore < 16 * 1024, `RSS grew ${rssAfter - rssBefore} KiB`);

    // 2. One source, 20 ports, each echoing its cookie: at most 8 handshakes go on (per-source cap).
    const started = async (from: Socket[]): Promise<number> => {
      const flights = await Promise.all(
        from.map(
          (s, i) =>
            new Promise<boolean>((resolve) => {
              const random = Buffer.alloc(32, 100 + i);
              let stage = 0;
              const timer = setTimeout(() => resolve(false), 3000);
              s.removeAllListeners('message');
              s.on('message', (m) => {
                if (stage === 0 && isHvr(m)) {
                  stage = 1;
                  s.send(clientHello(m.subarray(28), random), port, '127.0.0.1');
                } else if (stage === 1 && !isHvr(m)) {
                  clearTimeout(timer);
                  resolve(true);
                }
              });
              s.send(clientHello(Buffer.alloc(0), random), port, '127.0.0.1');
            }),
        ),
      );
      return flights.filter(Boolean).length;
    };
    const oneSource = await Promise.all(Array.from({ length: 20 }, () => bound('127.7.0.1')));
    t.after(() => {
      for (const s of oneSource) s.close();
    });
    const step2Start = Date.now();
    const perSource = await started(oneSource);
    t.diagnostic(`one source, 20 ports with valid cookies: ${perSource} handshakes started`);
    assert.equal(perSource, 8, 'the per-source half-open cap');

    // 3. 32 more sources × 8 ports echo their cookies: with the 8 above, more than the 256 half-open
    // slots, held for the 10 s handshake timeout. A legitimate DTLS client still gets a slot.
    const crowd = await Promise.all(Array.from({ length: 32 * 8 }, (_, i) => bound(`127.8.${(i >> 3) + 1}.1`)));
    t.after(() => {
      for (const s of crowd) s.close();
    });
    const crowdStarted = await started(crowd);
    const client = new TurnClient({
      host: '127.0.0.1',
      port,
      transport: 'dtls',
      insecure: true,
      username: 'user',
      password: 'pass',
    });
    t.after(() => client.close().catch(() => undefined));
    const t0 = Date.now();
    await client.allocate();
    t.diagnostic(
      `32 sources × 8 ports with valid cookies: ${crowdStarted} handshakes started; a legitimate DTLS client allocated in ${Date.now() - t0} ms`,
    );
    assert.ok(crowdStarted >= 248, `the crowd filled the table: ${crowdStarted}`);
    // No slot freed by itself before the first of those handshakes timed out (10 s): the client was
    // served while the table was full, not after.
    assert.ok(Date.now() < step2Start + 10_000, 'allocated before any half-open handshake timed out');
  });
});
