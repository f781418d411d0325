import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTurncatArgs } from '../src/turncat-args.ts';
import {
  formatServer,
  parseClientAddress,
  parseK8sUri,
  parsePeerAddress,
  parseTurnUri,
  redact,
} from '../src/turncat-uri.ts';

describe('turncat URIs', () => {
  it('parses client addresses', () => {
    assert.deepEqual(parseClientAddress('-'), { kind: 'stdio' });
    assert.deepEqual(parseClientAddress('udp://127.0.0.1:5000'), { kind: 'udp', address: '127.0.0.1', port: 5000 });
    assert.deepEqual(parseClientAddress('tcp://[::1]:5000'), { kind: 'tcp', address: '::1', port: 5000 });
    assert.deepEqual(parseClientAddress('unix:///tmp/turncat.sock'), { kind: 'unix', path: '/tmp/turncat.sock' });
    for (const bad of ['', 'udp://1.2.3.4', 'sctp://1.2.3.4:5', 'udp://1.2.3.4:70000', 'unix://']) {
      assert.throws(() => parseClientAddress(bad), { code: 'TURNCAT_ERR_CLIENT_ADDRESS' }, bad);
    }
  });

  it('parses peer addresses and says what is wrong with bad ones', () => {
    assert.deepEqual(parsePeerAddress('udp://10.0.0.1:9001'), { host: '10.0.0.1', port: 9001 });
    assert.deepEqual(parsePeerAddress('udp://media-plane:9001'), { host: 'media-plane', port: 9001 });
    assert.throws(() => parsePeerAddress(''), { code: 'TURNCAT_ERR_PEER_ADDRESS', message: /empty peer address/ });
    for (const bad of ['tcp://10.0.0.1:9001', 'udp://10.0.0.1', '10.0.0.1:9001', 'udp://10.0.0.1:0']) {
      assert.throws(() => parsePeerAddress(bad), { code: 'TURNCAT_ERR_PEER_ADDRESS', message: /invalid peer/ }, bad);
    }
  });

  it('parses turn: and turns: URIs with transports, credentials and default ports', () => {
    assert.deepEqual(parseTurnUri('turn://user:pass@1.2.3.4:3478?transport=udp'), {
      transport: 'udp',
      host: '1.2.3.4',
      port: 3478,
      username: 'user',
      password: 'pass',
    });
    assert.equal(parseTurnUri('turn://u:p@h:1?transport=TCP').transport, 'tcp');
    assert.equal(parseTurnUri('turn://u:p@h:1?transport=tls').transport, 'tls');
    assert.equal(parseTurnUri('turn://u:p@h:1?transport=dtls').transport, 'dtls');
    assert.equal(parseTurnUri('turns://u:p@h:1').transport, 'tls');
    assert.equal(parseTurnUri('turns://u:p@h:1?transport=udp').transport, 'dtls');
    assert.equal(parseTurnUri('turns://u:p@h:1?transport=tcp').transport, 'tls');
    assert.equal(parseTurnUri('turn:example.com').port, 3478);
    assert.equal(parseTurnUri('turns:example.com').port, 5349);
    assert.deepEqual(parseTurnUri('turn://a%40b:p%3Aq@[::1]:3478'), {
      transport: 'udp',
      host: '::1',
      port: 3478,
      username: 'a@b',
      password: 'p:q',
    });
    // Ephemeral usernames carry a colon-free timestamp; the password is everything after the first colon.
    assert.equal(parseTurnUri('turn://1700000000:c2VjcmV0Cg==@h:1').password, 'c2VjcmV0Cg==');
    for (const bad of ['http://h:1', 'turn://u:p@h:1?transport=sctp', 'turn://u:p@h:99999', 'turn://user@h:1']) {
      assert.throws(() => parseTurnUri(bad), { code: 'TURNCAT_ERR_SERVER_URI' }, bad);
    }
    assert.equal(formatServer(parseTurnUri('turns://u:p@10.96.55.200:443?transport=tcp')), 'tls://10.96.55.200:443');
  });

  it('hides the password in errors', () => {
    assert.equal(redact('turn://user:secret@h:1'), 'turn://user:***@h:1');
    assert.throws(
      () => parseTurnUri('turn://user:secret@h:1?transport=x'),
      (err: Error) => {
        assert.doesNotMatch(err.message, /secret/);
        return true;
      },
    );
  });

  it('parses k8s:// URIs, with the namespace from -n when empty', () => {
    assert.deepEqual(parseK8sUri('k8s://stunner/udp-gateway:udp-listener', 'default'), {
      namespace: 'stunner',
      gateway: 'udp-gateway',
      listener: 'udp-listener',
    });
    assert.equal(parseK8sUri('k8s:///gw:l', 'media').namespace, 'media');
    for (const bad of ['k8s://ns/gw', 'k8s://ns/gw:l/x', 'k8s://n.s/gw:l']) {
      assert.throws(() => parseK8sUri(bad, 'default'), { code: 'TURNCAT_ERR_SERVER_URI' }, bad);
    }
  });
});

describe('turncat flags', () => {
  it('takes STUNner turncat flags', () => {
    const a = parseTurncatArgs([
      '-i',
      '--sni',
      'example.com',
      '-l',
      'all:INFO',
      '-',
      'turn://u:p@h:1',
      'udp://1.2.3.4:5',
    ]);
    assert.equal(a.insecure, true);
    assert.equal(a.sni, 'example.com');
    assert.equal(a.log, 'all:INFO');
    assert.equal(a.clientAddr, '-');
    assert.equal(parseTurncatArgs(['-v', '-', 's', 'p']).log, 'all:DEBUG');
    assert.equal(parseTurncatArgs(['-', 's', 'p']).log, 'all:WARN');
    const k = parseTurncatArgs(['--cds-server-address=127.0.0.1:13478', '-n', 'stunner', '-', 's', 'p']);
    assert.equal(k.cdsServerAddress, '127.0.0.1:13478');
    assert.equal(k.namespace, 'stunner');
  });

  it('refuses unknown flags and a wrong number of arguments', () => {
    assert.throws(() => parseTurncatArgs(['--bogus', '-', 's', 'p']), { code: 'TURNCAT_ERR_USAGE' });
    assert.throws(() => parseTurncatArgs(['-', 's']), { code: 'TURNCAT_ERR_USAGE', message: /expected 3 arguments/ });
  });
});
