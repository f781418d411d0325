// `npm run stunnerctl -- <command>`: so far the offline `render` dry run (reference/stunner-v1.md §4 lists
// the cluster-facing commands still to come).
import { RENDER_USAGE, renderCommand, stdinText } from './render-command.ts';

const [cmd, ...rest] = process.argv.slice(2);
const io = {
  stdout: (s: string) => process.stdout.write(s),
  stderr: (s: string) => process.stderr.write(s),
  stdin: stdinText,
};
if (cmd === 'render') {
  process.exitCode = renderCommand(rest, io);
} else {
  process.stderr.write(`usage: stunnerctl render ...\n\n${RENDER_USAGE}\n`);
  process.exitCode = 2;
}
