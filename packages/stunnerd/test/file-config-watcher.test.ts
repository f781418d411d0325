import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { StunnerConfig } from '@stunner/api';
import { FileConfigWatcher } from '@stunner/stunnerd';
import { config, next } from './support/config-sources.ts';

describe('FileConfigWatcher', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stunnerd-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Lays out a ConfigMap volume: file → ..data/file, ..data → ..<version>, swapped atomically. */
  function publish(version: string, text: string): void {
    mkdirSync(join(dir, `..${version}`));
    writeFileSync(join(dir, `..${version}`, 'stunnerd.conf'), text);
    symlinkSync(`..${version}`, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  }

  it('follows ConfigMap updates, ignoring empty, identical and invalid files, surviving removal', async () => {
    publish('v1', config('one'));
    symlinkSync('..data/stunnerd.conf', join(dir, 'stunnerd.conf'));
    const watcher = new FileConfigWatcher(join(dir, 'stunnerd.conf'), { pollInterval: 50, env: {} });
    const seen: string[] = [];
    watcher.on('config', (c: StunnerConfig) => seen.push(c.auth.realm));
    const warnings: string[] = [];
    watcher.on('warning', (w) => warnings.push(w));
    try {
      const first = next<[StunnerConfig]>(watcher, 'config', 'the first config read at start');
      watcher.start();
      assert.equal((await first)[0].auth.realm, 'one');

      let changed = next<[StunnerConfig]>(watcher, 'config', 'the config of ConfigMap version v2');
      publish('v2', config('two'));
      assert.equal((await changed)[0].auth.realm, 'two');

      // Empty, identical and invalid versions produce no config; the invalid one a warning.
      const warned = next<[string]>(watcher, 'warning', 'a warning about the invalid version v5');
      publish('v3', '');
      publish('v4', config('two'));
      publish('v5', 'version: v1\nauth: {type: nope}\n');
      assert.match((await warned)[0], /ignoring config file/);

      const gone = next<[string]>(watcher, 'warning', 'a warning that the removed file cannot be read');
      rmSync(join(dir, 'stunnerd.conf'));
      assert.match((await gone)[0], /cannot be read/);

      changed = next<[StunnerConfig]>(watcher, 'config', 'the config of the file written again');
      writeFileSync(join(dir, 'stunnerd.conf'), config('three'));
      assert.equal((await changed)[0].auth.realm, 'three');
      assert.deepEqual(seen, ['one', 'two', 'three']);
    } finally {
      watcher.close();
    }
  });
});
