// Debian packages the test suites drive as real peers (packages/testing/src/peers.ts, DESIGN.md §5).
// Installed on first use so a fresh machine passes `npm test`; tests never download anything themselves.
import { spawnSync } from 'node:child_process';
import { EXTERNAL_PEERS } from '../packages/testing/src/peers.ts';

/** Command that proves the package is present, and the Debian package that provides it. */
export const SYSTEM_DEPS: ReadonlyArray<{ command: string; pkg: string }> = EXTERNAL_PEERS.flatMap((p) =>
  p.debianPackage === undefined ? [] : [{ command: p.commands[0]!, pkg: p.debianPackage }],
);

function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Installs the missing packages with apt-get when running as root; otherwise says what to install. */
export function ensureSystemDeps(): void {
  const missing = [...new Set(SYSTEM_DEPS.filter((d) => !hasCommand(d.command)).map((d) => d.pkg))];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !hasCommand('apt-get')) {
    process.stderr.write(
      `test setup: missing Debian packages ${missing.join(' ')}; install them (apt-get install ${missing.join(' ')})\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`test setup: installing ${missing.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) {
      process.stderr.write(`test setup: apt-get ${args.join(' ')} failed\n`);
      process.exit(1);
    }
  }
  // coturn's package enables a system turnserver on 3478; tests need that port free.
  spawnSync(
    'sh',
    ['-c', 'systemctl disable --now coturn 2>/dev/null; service coturn stop 2>/dev/null; pkill -x turnserver'],
    {
      stdio: 'ignore',
    },
  );
}
