// `npm run stunnerctl -- <command>`: config, status, auth, icetest, license (stunner-v1.md §4), dashboard and the
// offline `render`. Exit status: 0 done, 1 a failure (one line with its STUNNERCTL_ERR_* code), 2 usage.
import { buildProgram, CommanderError, errorLine, type Running } from './stunnerctl/program.ts';

const io = {
  stdout: (s: string) => void process.stdout.write(s),
  stderr: (s: string) => void process.stderr.write(s),
};
const argv = process.argv.slice(2);

if (argv[0] === 'render') {
  // render keeps its own flags (its -o is yaml|json), so it bypasses the global ones.
  const { renderCommand, stdinText } = await import('./render-command.ts');
  process.exitCode = renderCommand(argv.slice(1), { ...io, stdin: stdinText });
} else {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const run: Running = { signal: stop.signal };
  const program = buildProgram(io, run);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has printed the message (and help); --help and --version are not failures.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else {
      io.stderr(`${errorLine(err)}\n`);
      process.exitCode = 1;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  // Output to pipes and files is written synchronously on Linux, so nothing printed is lost.
  if (run.exitWhenDone) process.exit();
}
