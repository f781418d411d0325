// `npm run image [-- --repository=R] [--tag=T] [--out=DIR] [--rootfs=DIR] [image...]`: bundles the
// programs and assembles their images as OCI layouts under dist/images/<image>/ (tag T), without a
// container engine or a base image. `--rootfs=DIR` writes the layers as directory trees instead
// (what deploy/docker/Dockerfile copies into its `FROM scratch` stages).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { IMAGE_REPOSITORY, IMAGE_TAG } from '@stunner/api';
import { REPO_ROOT } from '../build/programs.ts';
import { buildImages } from './build-images.ts';
import { IMAGES, imageNamed } from './images.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    repository: { type: 'string', default: IMAGE_REPOSITORY },
    tag: { type: 'string', default: IMAGE_TAG },
    out: { type: 'string' },
    rootfs: { type: 'string' },
  },
});
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const images = positionals.length > 0 ? positionals.map(imageNamed) : IMAGES;
const t0 = performance.now();
await buildImages({
  images,
  distDir: join(REPO_ROOT, 'dist'),
  repository: values.repository,
  tag: values.tag,
  version: pkg.version,
  ...(values.rootfs !== undefined
    ? { rootfsDir: resolve(values.rootfs) }
    : { outDir: resolve(values.out ?? join(REPO_ROOT, 'dist', 'images')) }),
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`image: done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
