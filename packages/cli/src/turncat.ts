// turncat: a TURN tunnel client, STUNner's command (stunner-v1.md §4).
// Usage: npm run turncat -- [flags] <client-addr> <turn-server> <peer-addr>
import { TURNCAT_USAGE } from './turncat-args.ts';
import { runTurncat } from './turncat-main.ts';

function fail(err: unknown): never {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`turncat ERROR: ${e.message ?? String(err)}\n`);
  if (e.code === 'TURNCAT_ERR_USAGE') process.stderr.write(`\n${TURNCAT_USAGE}`);
  process.exit(1);
}

const io = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  onStdioEnd: (err?: Error) => fail(err ?? new Error('the TURN allocation ended')),
};

try {
  const turncat = await runTurncat(process.argv.slice(2), io);
  if (turncat) {
    const stop = (): void => {
      turncat.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
} catch (err) {
  fail(err);
}
