// `npm start`: stunnerd on the bundled example config (deploy/local/stunnerd.yaml), following
// edits to it, with the TURN URIs, credentials and a turncat command to try printed first.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseStunnerConfig } from '@stunner/api';

const path = fileURLToPath(new URL('../../../deploy/local/stunnerd.yaml', import.meta.url));
const config = parseStunnerConfig(readFileSync(path, 'utf8'));
const { username, password } = config.auth.credentials;
process.stdout.write(
  [
    `stunnerd: example config ${path}`,
    `stunnerd: credentials: username ${username}, password ${password}, realm ${config.auth.realm}`,
    'stunnerd: try it: npm run udp-greeter -- --port 9001 &  then',
    `stunnerd:   npm run turncat -- - turn://${username}:${password}@127.0.0.1:3478?transport=udp udp://127.0.0.1:9001`,
    '',
  ].join('\n'),
);
process.argv.splice(2, process.argv.length, '-c', `file://${path}`, '-w');
await import('./main.ts');
