import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OffloadError } from './errors.ts';

const PACKAGE_DIR = resolve(import.meta.dirname, '..');
/** The C source of the TC program. */
export const PROGRAM_SOURCE = join(PACKAGE_DIR, 'bpf', 'turn_offload.c');
/** Where the compiled object goes (not in git: built on the machine that runs it). */
export const PROGRAM_OBJECT = join(PACKAGE_DIR, 'build', 'turn_offload.o');

/** The Debian packages the build needs: clang (with its BPF target) and libbpf's headers. */
export const TOOLCHAIN_PACKAGES = ['clang', 'libbpf-dev'] as const;

function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** What the offload tests and benchmark use besides: bpftool (reads the kernel's maps), ethtool. */
export const TEST_TOOL_PACKAGES = ['bpftool', 'ethtool'] as const;

/** Whether clang and the libbpf headers (and with `testTools`, bpftool and ethtool) are present. */
export function hasToolchain(testTools = false): boolean {
  const build = hasCommand('clang') && existsSync('/usr/include/bpf/bpf_helpers.h');
  return build && (!testTools || TEST_TOOL_PACKAGES.every(hasCommand));
}

/**
 * Installs the build packages (with `testTools`, also bpftool and ethtool) with apt-get when missing:
 * the setup step of the offload tests and benchmark, as root. Cold cost: one `apt-get install`,
 * about 185 MB installed (clang-14 with libLLVM-14 and libclang-cpp14 make nearly all of it); the
 * compile itself then takes about 0.6 s. Returns what is still missing when it cannot install.
 */
export function ensureToolchain(testTools = false): string | undefined {
  if (hasToolchain(testTools)) return undefined;
  const packages = [...TOOLCHAIN_PACKAGES, ...(testTools ? TEST_TOOL_PACKAGES : [])];
  if (process.getuid?.() !== 0 || !hasCommand('apt-get')) return `apt-get install ${packages.join(' ')}`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...packages]]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) return `apt-get ${args.join(' ')} failed`;
  }
  return hasToolchain(testTools) ? undefined : `apt-get install ${packages.join(' ')}`;
}

/** The multiarch include directory that holds <asm/types.h> on Debian. */
function archIncludes(): string[] {
  const triple = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const dir = `/usr/include/${triple}`;
  return existsSync(dir) ? [`-I${dir}`] : [];
}

/**
 * The compiled program: `STUNNER_OFFLOAD_OBJECT` when set (an image that ships it prebuilt), else built
 * with `clang -target bpf` when missing or older than its source. Throws OFFLOAD_ERR_BUILD saying what
 * to install when it cannot be built.
 */
export function programObject(source = PROGRAM_SOURCE, object = PROGRAM_OBJECT): string {
  const shipped = process.env.STUNNER_OFFLOAD_OBJECT;
  if (shipped) {
    if (!existsSync(shipped))
      throw new OffloadError('OFFLOAD_ERR_BUILD', `STUNNER_OFFLOAD_OBJECT ${shipped} does not exist`);
    return shipped;
  }
  if (existsSync(object) && statSync(object).mtimeMs >= statSync(source).mtimeMs) return object;
  if (!hasToolchain()) {
    throw new OffloadError(
      'OFFLOAD_ERR_BUILD',
      `${object} is missing and cannot be built: install ${TOOLCHAIN_PACKAGES.join(' ')} (Debian) or build it where they are`,
    );
  }
  mkdirSync(dirname(object), { recursive: true });
  const r = spawnSync(
    'clang',
    ['-O2', '-g', '-Wall', '-target', 'bpf', ...archIncludes(), '-c', source, '-o', object],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    throw new OffloadError('OFFLOAD_ERR_BUILD', `clang failed on ${source}: ${(r.stderr ?? '').trim()}`);
  }
  return object;
}
