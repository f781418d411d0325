// The pieces of `npm run image` that need no external tool: ldd parsing, layer trees, OCI layouts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { normalizeTree, treeToTar } from '../src/image/file-tree.ts';
import { writeOciLayout } from '../src/image/oci-layout.ts';
import { parseLdd } from '../src/image/shared-libraries.ts';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('parseLdd keeps each library path and the dynamic loader, not the vDSO', () => {
  const out = [
    '\tlinux-vdso.so.1 (0x00007ffd)',
    '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f2362400000)',
    '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f236221e000)',
    '\t/lib64/ld-linux-x86-64.so.2 (0x00007f23627c3000)',
  ].join('\n');
  assert.deepEqual(parseLdd(out), [
    '/lib/x86_64-linux-gnu/libstdc++.so.6',
    '/lib/x86_64-linux-gnu/libc.so.6',
    '/lib64/ld-linux-x86-64.so.2',
  ]);
});

test('a layer tree gets its parent directories, sorted, and refuses a path twice', () => {
  const tree = normalizeTree([
    { type: 'file', path: '/usr/local/bin/x', mode: 0o755, source: Buffer.from('x') },
    { type: 'directory', path: 'home/nonroot', mode: 0o700, uid: 65532 },
  ]);
  assert.deepEqual(
    tree.map((e) => e.path),
    ['home', 'home/nonroot', 'usr', 'usr/local', 'usr/local/bin', 'usr/local/bin/x'],
  );
  assert.throws(
    () =>
      normalizeTree([
        { type: 'symlink', path: 'a', target: 'b' },
        { type: 'symlink', path: '/a', target: 'c' },
      ]),
    /RELEASE_ERR_DUPLICATE_PATH/,
  );
});

test('an OCI layout names its blobs by digest, its layers by diff_id, and is the same when written twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'release-oci-'));
  try {
    const tar = await treeToTar([{ type: 'file', path: 'etc/hello', mode: 0o644, source: Buffer.from('hi\n') }]);
    assert.deepEqual(
      tar,
      await treeToTar([{ type: 'file', path: 'etc/hello', mode: 0o644, source: Buffer.from('hi\n') }]),
    );
    const config = { user: '1:1', entrypoint: ['/x'], cmd: [], env: ['PATH=/'], workingDir: '/', labels: {} };
    const a = writeOciLayout(join(dir, 'a'), 't1', config, [{ tar, comment: 'one' }]);
    const b = writeOciLayout(join(dir, 'b'), 't1', config, [{ tar, comment: 'one' }]);
    assert.equal(a.manifest.digest, b.manifest.digest);
    const blob = (digest: string) => readFileSync(join(dir, 'a', 'blobs', 'sha256', digest.slice(7)));
    const index = JSON.parse(readFileSync(join(dir, 'a', 'index.json'), 'utf8'));
    assert.equal(index.manifests[0].digest, a.manifest.digest);
    assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 't1');
    const manifest = JSON.parse(blob(a.manifest.digest).toString());
    assert.equal(sha256(blob(a.manifest.digest)), a.manifest.digest);
    const layer = blob(manifest.layers[0].digest);
    assert.equal(sha256(layer), manifest.layers[0].digest);
    assert.equal(layer.length, manifest.layers[0].size);
    const imageConfig = JSON.parse(blob(manifest.config.digest).toString());
    assert.deepEqual(imageConfig.rootfs.diff_ids, [sha256(gunzipSync(layer))]);
    assert.deepEqual(gunzipSync(layer), tar);
    assert.equal(imageConfig.config.User, '1:1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
