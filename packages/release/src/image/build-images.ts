// Assembles the images from the program bundles: one SEA binary and runtime layer shared by all,
// then per image its program layer, written as an OCI layout (or as directory trees for the
// Dockerfile's build stage).
import { join } from 'node:path';
import { bundleProgram } from '../build/bundle.ts';
import { entryPath, programNamed } from '../build/programs.ts';
import { type TreeEntry, treeToDirectory, treeToTar } from './file-tree.ts';
import { type ImageSpec, imageConfig, imageReference, programLayer, runtimeLayer } from './images.ts';
import { gzipLayer, type WrittenImage, writeOciLayout } from './oci-layout.ts';
import { buildSeaBinary } from './sea-binary.ts';
import { sharedLibraries } from './shared-libraries.ts';

export interface BuildImagesOptions {
  readonly images: readonly ImageSpec[];
  /** Where bundles are (re)built, one folder per program (dist/). */
  readonly distDir: string;
  readonly repository: string;
  readonly tag: string;
  readonly version: string;
  /** OCI layouts go to `<outDir>/<image>/`. */
  readonly outDir?: string;
  /** Instead of layouts: the layers as trees, `<rootfsDir>/runtime/` and `<rootfsDir>/<image>/`. */
  readonly rootfsDir?: string;
  readonly log?: (line: string) => void;
}

export interface BuiltImage {
  readonly spec: ImageSpec;
  readonly reference: string;
  readonly layoutDir: string | undefined;
  readonly written: WrittenImage | undefined;
}

export async function buildImages(o: BuildImagesOptions): Promise<BuiltImage[]> {
  const log = o.log ?? (() => {});
  const libraries = sharedLibraries(process.execPath);
  log(`image: runtime: ${process.execPath} as a SEA, with ${libraries.map((l) => l.path).join(', ')}`);
  const runtime: TreeEntry[] = runtimeLayer(await buildSeaBinary(), libraries);
  const runtimeTar = o.outDir !== undefined ? await treeToTar(runtime) : undefined;
  const runtimeGzipped = runtimeTar !== undefined ? gzipLayer(runtimeTar) : undefined;
  if (o.rootfsDir !== undefined) treeToDirectory(runtime, join(o.rootfsDir, 'runtime'));
  const built: BuiltImage[] = [];
  for (const spec of o.images) {
    const program = programNamed(spec.program);
    const bundleDir = join(o.distDir, program.name);
    await bundleProgram(entryPath(program), bundleDir, program.name);
    const layer = programLayer(spec, bundleDir);
    const reference = imageReference(o.repository, spec, o.tag);
    if (o.rootfsDir !== undefined) treeToDirectory(layer, join(o.rootfsDir, spec.image));
    let written: WrittenImage | undefined;
    let layoutDir: string | undefined;
    if (o.outDir !== undefined && runtimeTar !== undefined) {
      layoutDir = join(o.outDir, spec.image);
      written = writeOciLayout(layoutDir, o.tag, imageConfig(spec, o.version), [
        {
          tar: runtimeTar,
          ...(runtimeGzipped ? { gzipped: runtimeGzipped } : {}),
          comment: 'runtime: Node SEA launcher, its shared libraries, /etc/passwd (uid 65532)',
        },
        { tar: await treeToTar(layer), comment: `${spec.program}: bundles and command` },
      ]);
      log(
        `image: ${reference} -> ${layoutDir} (${(written.compressedBytes / 1048576).toFixed(1)} MiB compressed, ${(written.uncompressedBytes / 1048576).toFixed(1)} MiB unpacked)`,
      );
    }
    built.push({ spec, reference, layoutDir, written });
  }
  return built;
}
