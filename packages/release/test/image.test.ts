// `npm run image`'s OCI layouts, checked with Debian's skopeo and umoci, then run: the stunnerd
// image's root filesystem as a read-only root, PID 1 of its own PID namespace, uid 65532, started as
// a STUNner Dataplane starts it (`command: [stunnerd]`, `args: [-w, --udp-thread-num=...]`), relays
// a TURN allocation's "Hello STUNner"; SIGTERM reaches it as PID 1 and it exits cleanly.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_STUNNERD_IMAGE, IMAGE_REPOSITORY, IMAGE_TAG } from '@stunner/api';
import {
  type BuiltImage,
  buildImages,
  bundleProgram,
  entryPath,
  IMAGES,
  imageConfig,
  imageNamed,
  imageReference,
  LOOPBACK_LISTENER_READY,
  loopbackTurnConfig,
  NONROOT_UID,
  programNamed,
  REPO_ROOT,
} from '@stunner/release';
import { freePort, freeUdpPortPair } from '@stunner/testing';
import { helloThroughTurn, threadPackets } from './hello-through-turn.ts';
import { mountOptions, processIds, readRuntimeSpec, runInRootfs } from './run-rootfs.ts';

const TAG = 'test';

function skopeo(args: string[]): unknown {
  return JSON.parse(execFileSync('skopeo', args, { encoding: 'utf8' }));
}

/** Every path in a tree, relative, with what it is. */
function walk(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const rel = `${prefix}/${name}`;
    const st = lstatSync(join(dir, name));
    out.push(rel);
    if (st.isDirectory()) out.push(...walk(join(dir, name), rel));
  }
  return out;
}

describe('the images as OCI layouts', { timeout: 600_000 }, () => {
  let work: string;
  let built: BuiltImage[];
  const unpacked = new Map<string, string>();

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'release-image-'));
    built = await buildImages({
      images: IMAGES,
      distDir: join(work, 'dist'),
      outDir: join(work, 'images'),
      // The Dockerfile's build stage writes the layers as trees: the same run checks they match.
      rootfsDir: join(work, 'trees'),
      repository: 'example.test/stunner',
      tag: TAG,
      version: '0.0.0-test',
    });
    // The client side of the round trip: turncat and the greeter, bundled as `npm run build` does.
    for (const name of ['turncat', 'udp-greeter']) {
      const p = programNamed(name);
      await bundleProgram(entryPath(p), join(work, 'dist', p.name), p.name);
    }
    for (const b of built) {
      const dir = join(work, 'unpacked', b.spec.image);
      execFileSync('umoci', ['unpack', '--image', `${b.layoutDir}:${TAG}`, dir], { stdio: 'pipe' });
      unpacked.set(b.spec.image, dir);
    }
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('the default Dataplane image is our stunnerd image, tagged with the project version', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(IMAGE_TAG, pkg.version);
    assert.equal(DEFAULT_STUNNERD_IMAGE, imageReference(IMAGE_REPOSITORY, imageNamed('stunnerd'), IMAGE_TAG));
    assert.equal(built[0]!.reference, `example.test/stunner/stunnerd:${TAG}`);
  });

  it('skopeo reads each image: non-root user, the program as entrypoint, only /usr/local/bin on PATH', () => {
    for (const b of built) {
      const config = skopeo(['inspect', '--config', `oci:${b.layoutDir}:${TAG}`]) as {
        architecture: string;
        os: string;
        config: { User: string; Entrypoint: string[]; Cmd?: string[]; Env: string[] };
        rootfs: { diff_ids: string[] };
      };
      assert.equal(config.os, 'linux');
      assert.equal(config.architecture, process.arch === 'x64' ? 'amd64' : 'arm64');
      assert.equal(config.config.User, `${NONROOT_UID}:${NONROOT_UID}`);
      assert.deepEqual(config.config.Entrypoint, [`/usr/local/bin/${b.spec.program}`]);
      assert.deepEqual(config.config.Cmd ?? [], [...b.spec.cmd]);
      assert.equal(config.config.Env[0], 'PATH=/usr/local/bin');
      assert.deepEqual(config.config.Env, imageConfig(b.spec, '0').env);
      const manifest = skopeo(['inspect', `oci:${b.layoutDir}:${TAG}`]) as { Layers: string[] };
      assert.deepEqual(
        manifest.Layers,
        b.written!.layers.map((l) => l.digest),
      );
      assert.equal(config.rootfs.diff_ids.length, 2);
    }
    // One runtime layer for all images: a node pulls the Node binary once.
    assert.equal(new Set(built.map((b) => b.written!.layers[0]!.digest)).size, 1);
  });

  it('umoci unpacks each: no shell, package manager or compiler; /home/nonroot belongs to the user', () => {
    for (const b of built) {
      const rootfs = join(unpacked.get(b.spec.image)!, 'rootfs');
      const paths = walk(rootfs);
      const names = paths.map((p) => p.slice(p.lastIndexOf('/') + 1));
      for (const banned of [
        'sh',
        'bash',
        'dash',
        'busybox',
        'apt',
        'apt-get',
        'dpkg',
        'npm',
        'gcc',
        'cc',
        'ld',
        'node',
      ]) {
        assert.ok(!names.includes(banned), `${b.spec.image} holds ${banned}`);
      }
      assert.equal(readlinkSync(join(rootfs, 'usr/local/bin', b.spec.program)), 'stunner-node');
      assert.equal(statSync(join(rootfs, 'home/nonroot')).uid, NONROOT_UID);
      const spec = readRuntimeSpec(unpacked.get(b.spec.image)!);
      assert.deepEqual(spec.args, [`/usr/local/bin/${b.spec.program}`, ...b.spec.cmd]);
      assert.equal(spec.uid, NONROOT_UID);
    }
  });

  it("the trees the Dockerfile copies (npm run image -- --rootfs) are the layouts' layers, file by file", () => {
    for (const b of built) {
      const fromLayout = walk(join(unpacked.get(b.spec.image)!, 'rootfs')).sort();
      const fromTrees = [
        ...new Set([...walk(join(work, 'trees', 'runtime')), ...walk(join(work, 'trees', b.spec.image))]),
      ].sort();
      assert.deepEqual(fromTrees, fromLayout);
    }
  });

  it('stunnerd, run as a Dataplane runs it in a read-only root as PID 1, relays Hello STUNner and ends on SIGTERM', async () => {
    const bundle = unpacked.get('stunnerd')!;
    const spec = readRuntimeSpec(bundle);
    const data = mkdtempSync(join(tmpdir(), 'release-image-data-'));
    const port = await freeUdpPortPair();
    const metricsPort = await freePort();
    writeFileSync(
      join(data, 'stunnerd.json'),
      loopbackTurnConfig({
        port,
        username: 'user-1',
        password: 'pass-1',
        realm: 'image',
        healthPort: await freePort(),
        metricsPort,
      }),
    );
    // STUNner's Dataplane: command [stunnerd], args [-w, --udp-thread-num=16]; a file origin here.
    const p = runInRootfs(join(bundle, 'rootfs'), data, spec, [
      'stunnerd',
      '-w',
      '--udp-thread-num=2',
      '-c',
      'file:///tmp/stunnerd.json',
    ]);
    try {
      await p.waitFor(LOOPBACK_LISTENER_READY, { timeoutMs: 30_000 });
      const pid = p.hostPid();
      const ids = processIds(pid);
      assert.equal(ids.uid, NONROOT_UID);
      assert.equal(ids.nsPids.at(-1), 1, 'stunnerd is PID 1 of its namespace');
      assert.ok(mountOptions(pid, '/').includes('ro'), 'its root filesystem is read-only');
      await helloThroughTurn(join(work, 'dist'), { port, username: 'user-1', password: 'pass-1' });
      const threads = await threadPackets(metricsPort);
      assert.deepEqual([...threads.keys()].sort(), ['0', '1'], 'two UDP worker threads');
      assert.ok([...threads.values()].some((n) => n > 0));
      process.kill(pid, 'SIGTERM');
      assert.equal(await p.exited(20_000), 0);
      assert.doesNotMatch(p.stderr(), /EROFS|EACCES|ERR_MODULE_NOT_FOUND|RELEASE_ERR/);
    } finally {
      await p.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('authd, run by its image entrypoint in a read-only root, serves an ICE config from a stunnerd config and ends on SIGTERM', async () => {
    const bundle = unpacked.get('stunner-auth-server')!;
    const spec = readRuntimeSpec(bundle);
    const data = mkdtempSync(join(tmpdir(), 'release-image-data-'));
    const httpPort = await freePort();
    writeFileSync(
      join(data, 'stunnerd.json'),
      loopbackTurnConfig({ port: 3478, username: 'user-1', password: 'pass-1', realm: 'image' }),
    );
    const p = runInRootfs(join(bundle, 'rootfs'), data, spec, [
      ...spec.args,
      '--address',
      '127.0.0.1',
      '-p',
      String(httpPort),
      '-c',
      'file:///tmp/stunnerd.json',
    ]);
    try {
      await p.waitFor(/authd: listening/, { timeoutMs: 30_000 });
      const pid = p.hostPid();
      assert.equal(processIds(pid).nsPids.at(-1), 1);
      const res = await fetch(`http://127.0.0.1:${httpPort}/ice?service=turn`);
      const body = (await res.json()) as { iceServers?: { urls: string[]; username: string }[] };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.ok(
        body.iceServers?.some((s) => s.urls.includes('turn:127.0.0.1:3478?transport=udp') && s.username === 'user-1'),
        JSON.stringify(body),
      );
      process.kill(pid, 'SIGTERM');
      assert.equal(await p.exited(20_000), 0);
    } finally {
      await p.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('the operator image answers as /manager (upstream name) and as its own command, with its flag errors', async () => {
    const bundle = unpacked.get('stunner-gateway-operator')!;
    const spec = readRuntimeSpec(bundle);
    const data = mkdtempSync(join(tmpdir(), 'release-image-data-'));
    try {
      for (const command of [spec.args[0]!, '/manager']) {
        const p = runInRootfs(join(bundle, 'rootfs'), data, spec, [command, '--no-such-flag']);
        assert.equal(await p.exited(30_000), 2, p.stderr());
        assert.match(p.stderr(), /no-such-flag/);
      }
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
