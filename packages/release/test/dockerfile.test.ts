// deploy/docker/Dockerfile cannot be built here (no container engine): this keeps it in step with the
// images `npm run image` assembles and tests (image.test.ts): one target per image, copying the trees
// `npm run image -- --rootfs` writes, with the same user, PATH, entrypoint and default args.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { IMAGES, imageConfig, REPO_ROOT } from '@stunner/release';

interface Stage {
  readonly from: string;
  readonly instructions: string[];
}

function stages(text: string): Map<string, Stage> {
  const out = new Map<string, Stage>();
  let current: Stage | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)$/i.exec(line);
    if (from) {
      current = { from: from[1]!, instructions: [] };
      out.set(from[2]!, current);
    } else current?.instructions.push(line);
  }
  return out;
}

/** The JSON array of the stage's last `KEYWORD [...]`, or undefined. */
function execForm(stage: Stage, keyword: string): string[] | undefined {
  const line = stage.instructions.filter((l) => l.startsWith(`${keyword} `)).at(-1);
  return line === undefined ? undefined : (JSON.parse(line.slice(keyword.length + 1)) as string[]);
}

test('the Dockerfile has a target per image with the image config npm run image writes', () => {
  const all = stages(readFileSync(join(REPO_ROOT, 'deploy/docker/Dockerfile'), 'utf8'));
  const build = all.get('build')!;
  assert.ok(build.instructions.includes('RUN npm run image -- --rootfs=/out'));
  const runtime = all.get('runtime')!;
  assert.equal(runtime.from, 'scratch', 'no base image');
  assert.ok(runtime.instructions.includes('COPY --from=build /out/runtime/ /'));
  for (const spec of IMAGES) {
    const config = imageConfig(spec, '0');
    assert.ok(runtime.instructions.includes(`USER ${config.user}`));
    const stage = all.get(spec.image);
    assert.ok(stage, `a target ${spec.image}`);
    const envs = [...runtime.instructions, ...stage.instructions]
      .filter((l) => l.startsWith('ENV '))
      .map((l) => l.slice(4).replace(/"/g, ''));
    assert.deepEqual(envs.sort(), [...config.env].sort());
    assert.equal(stage.from, 'runtime');
    assert.ok(stage.instructions.includes(`COPY --from=build /out/${spec.image}/ /`));
    assert.deepEqual(execForm(stage, 'ENTRYPOINT'), [...config.entrypoint]);
    assert.deepEqual(execForm(stage, 'CMD') ?? [], [...config.cmd]);
  }
  // Nothing but these stages: a package manager or shell would come in with another base.
  assert.deepEqual([...all.keys()].sort(), ['build', 'runtime', ...IMAGES.map((i) => i.image)].sort());
});
