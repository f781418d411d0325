import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type Coturn, startCoturn, type WatchedProcess } from '@stunner/testing';
import { GREETING, startUdpGreeter } from '../src/udp-greeter.ts';
import { greet, turncat } from './turncat-process.ts';

/**
 * The config discovery service is stood in for by an HTTP server answering
 * GET /api/v1/configs/<ns>/<name> with stunnerd configs (stunner-v1.md §1.6) that point at coturn.
 */
describe('turncat k8s:// URIs through the CDS API, to coturn', () => {
  let staticTurn: Coturn;
  let ephemeralTurn: Coturn;
  let greeter: Socket;
  let peer: string;
  let cds: Server;
  let cdsAddress: string;
  const configs = new Map<string, object>();
  const running: WatchedProcess[] = [];

  function config(name: string, auth: object, listeners: object[]): object {
    return {
      version: 'v1',
      admin: { name, loglevel: 'all:INFO', healthcheck_endpoint: 'http://:8086' },
      auth: { realm: 'stunner.test', ...auth },
      listeners,
      clusters: [{ name: 'stunner/media-plane', type: 'STATIC', protocol: 'UDP', endpoints: ['127.0.0.1'] }],
    };
  }

  before(async () => {
    staticTurn = await startCoturn({ tls: true });
    ephemeralTurn = await startCoturn({ authSecret: 'my-shared-secret' });
    greeter = await startUdpGreeter('127.0.0.1', 0);
    peer = `udp://127.0.0.1:${greeter.address().port}`;
    const listener = (name: string, protocol: string, port: number) => ({
      name: `stunner/${name}`,
      protocol,
      address: '$STUNNER_ADDR',
      port: 3478,
      public_address: '127.0.0.1',
      public_port: port,
      routes: ['stunner/media-plane'],
    });
    configs.set(
      'stunner/udp-gateway',
      config(
        'stunner/udp-gateway',
        { type: 'static', credentials: { username: staticTurn.username, password: staticTurn.password } },
        [
          listener('udp-gateway/udp-listener', 'TURN-UDP', staticTurn.port),
          listener('udp-gateway/tls-listener', 'TURN-TLS', staticTurn.tlsPort),
        ],
      ),
    );
    configs.set(
      'media/ephemeral-gateway',
      config('media/ephemeral-gateway', { type: 'ephemeral', credentials: { secret: 'my-shared-secret' } }, [
        listener('ephemeral-gateway/udp-listener', 'TURN-UDP', ephemeralTurn.port),
      ]),
    );
    cds = createServer((req, res) => {
      const m = /^\/api\/v1\/configs\/([^/]+)\/([^/?]+)$/.exec(req.url ?? '');
      const found = m ? configs.get(`${m[1]}/${m[2]}`) : undefined;
      res.setHeader('content-type', 'application/json');
      if (!found) {
        res.statusCode = 404;
        res.end(JSON.stringify({ code: 404, message: `Config not found for ID ${m?.[1]}/${m?.[2]}` }));
        return;
      }
      res.end(JSON.stringify(found));
    });
    await new Promise<void>((resolve) => cds.listen(0, '127.0.0.1', resolve));
    const a = cds.address();
    cdsAddress = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await new Promise<void>((resolve) => cds.close(() => resolve()));
    greeter.close();
    await Promise.all([staticTurn.stop(), ephemeralTurn.stop()]);
  });

  function run(args: string[]): WatchedProcess {
    const p = turncat(args);
    running.push(p);
    return p;
  }

  it('reads the listener public address and static credentials', async () => {
    const p = run([
      '-l',
      'all:INFO',
      `--cds-server-address=${cdsAddress}`,
      '-',
      'k8s://stunner/udp-gateway:udp-listener',
      peer,
    ]);
    await p.waitFor(new RegExp(`TURN server: udp://127\\.0\\.0\\.1:${staticTurn.port}, peer: ${peer}`), {
      stream: 'stderr',
      what: "turncat to resolve the listener to the config's public address",
    });
    assert.equal(await greet(p), GREETING);
  });

  it('connects through a TLS listener with -i', async () => {
    const p = run([
      '-i',
      '-l',
      'all:INFO',
      '--cds-server-address',
      cdsAddress,
      '-',
      'k8s://stunner/udp-gateway:tls-listener',
      peer,
    ]);
    await p.waitFor(new RegExp(`TURN server: tls://127\\.0\\.0\\.1:${staticTurn.tlsPort}`), {
      stream: 'stderr',
      what: 'turncat to resolve the TLS listener',
    });
    assert.equal(await greet(p), GREETING);
  });

  it('generates ephemeral credentials from the shared secret, namespace from -n', async () => {
    const p = run([
      '-n',
      'media',
      '--cds-server-address',
      cdsAddress,
      '-',
      'k8s:///ephemeral-gateway:udp-listener',
      peer,
    ]);
    assert.equal(await greet(p), GREETING, 'the greeting with credentials made from the shared secret');
  });

  it('says which config or listener is missing', async () => {
    const noConfig = run(['--cds-server-address', cdsAddress, '-', 'k8s://stunner/nope:udp-listener', peer]);
    assert.equal(await noConfig.exited(), 1);
    assert.match(noConfig.stderr(), /no config for stunner\/nope \(404\)/);
    const noListener = run(['--cds-server-address', cdsAddress, '-', 'k8s://stunner/udp-gateway:tcp-listener', peer]);
    assert.equal(await noListener.exited(), 1);
    assert.match(noListener.stderr(), /no listener "tcp-listener"/);
  });

  it('asks for --cds-server-address when it is missing', async () => {
    const p = run(['-', 'k8s://stunner/udp-gateway:udp-listener', peer]);
    assert.equal(await p.exited(), 1);
    assert.match(p.stderr(), /--cds-server-address/);
  });
});
