// Writes an OCI image layout (image-spec v1.1 image-layout.md): `oci-layout`, `index.json` naming the
// manifest by tag (org.opencontainers.image.ref.name), and content-addressed blobs: gzip'd tar layers,
// the image config (config.md) and the manifest (manifest.md).
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface ImageConfig {
  readonly user: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface LayerInput {
  /** Uncompressed tar. */
  readonly tar: Buffer;
  /** The tar gzip'd, when the caller has it already (a layer shared by several images). */
  readonly gzipped?: Buffer;
  /** What the layer holds, for the config's history. */
  readonly comment: string;
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

export interface WrittenImage {
  readonly manifest: Descriptor;
  readonly layers: readonly Descriptor[];
  /** Sum of the compressed layers: what a registry stores and a node pulls. */
  readonly compressedBytes: number;
  /** Sum of the uncompressed layers: the unpacked root filesystem. */
  readonly uncompressedBytes: number;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function writeBlob(dir: string, mediaType: string, bytes: Buffer): Descriptor {
  const digest = sha256(bytes);
  writeFileSync(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), bytes);
  return { mediaType, digest, size: bytes.length };
}

/** A layer as registries store it (gzip, best compression; deterministic: no name or time in the header). */
export function gzipLayer(tar: Buffer): Buffer {
  return gzipSync(tar, { level: 9 });
}

/** GOARCH name of this machine's architecture, as OCI configs spell it. */
export function ociArchitecture(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
  const a = map[arch];
  if (!a)
    throw new Error(`RELEASE_ERR_ARCH: no OCI architecture for Node's ${arch}; images are built for x64 and arm64`);
  return a;
}

/** Replaces `dir` with a layout holding one image, tagged `tag`. */
export function writeOciLayout(
  dir: string,
  tag: string,
  config: ImageConfig,
  layers: readonly LayerInput[],
  created = new Date(0),
): WrittenImage {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`);
  const written = layers.map((l) => ({
    diffId: sha256(l.tar),
    descriptor: writeBlob(dir, 'application/vnd.oci.image.layer.v1.tar+gzip', l.gzipped ?? gzipLayer(l.tar)),
  }));
  const imageConfig = {
    created: created.toISOString(),
    architecture: ociArchitecture(),
    os: 'linux',
    config: {
      User: config.user,
      Entrypoint: config.entrypoint,
      Cmd: config.cmd,
      Env: config.env,
      WorkingDir: config.workingDir,
      Labels: config.labels,
    },
    rootfs: { type: 'layers', diff_ids: written.map((w) => w.diffId) },
    history: layers.map((l) => ({ created: created.toISOString(), created_by: l.comment })),
  };
  const configDesc = writeBlob(
    dir,
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(JSON.stringify(imageConfig)),
  );
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: configDesc,
    layers: written.map((w) => w.descriptor),
    annotations: { 'org.opencontainers.image.created': created.toISOString() },
  };
  const manifestDesc = writeBlob(
    dir,
    'application/vnd.oci.image.manifest.v1+json',
    Buffer.from(JSON.stringify(manifest)),
  );
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        ...manifestDesc,
        platform: { architecture: ociArchitecture(), os: 'linux' },
        annotations: { 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  writeFileSync(join(dir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  return {
    manifest: manifestDesc,
    layers: written.map((w) => w.descriptor),
    compressedBytes: written.reduce((n, w) => n + w.descriptor.size, 0),
    uncompressedBytes: layers.reduce((n, l) => n + l.tar.length, 0),
  };
}
