// What `npm start` prints once it serves: where to point a client, with what credentials, and what
// to try first.
import type { StunnerConfig } from '@stunner/api';
import { turnUri } from '@stunner/auth';

export interface SummaryInput {
  title: string;
  configs: readonly StunnerConfig[];
  authUrl: string;
  dashboardUrl?: string;
  greeterPorts: readonly number[];
}

export function summary(s: SummaryInput): string {
  const out = [`STUNner ${s.title}`];
  const row = (label: string, value: string) => out.push(`  ${label.padEnd(15)}${value}`);
  if (s.configs.length === 0) row('gateways', 'none rendered: see the warnings above');
  for (const c of s.configs) {
    row('gateway', `${c.admin.name} (realm ${c.auth.realm})`);
    for (const l of c.listeners) row('  TURN', `${turnUri(l)}   ${l.name.split('/').pop()}`);
    const { username, password } = c.auth.credentials;
    if (c.auth.type === 'static' && username && password) {
      row('  credentials', `username ${username}, password ${password}`);
    } else {
      row('  credentials', `ephemeral: curl "${s.authUrl}/?service=turn&username=me"`);
    }
    if (c.admin.healthcheck_endpoint) row('  health', `${c.admin.healthcheck_endpoint}/status`);
  }
  row('authd', `curl "${s.authUrl}/ice?service=turn"`);
  if (s.dashboardUrl) row('dashboard', `${s.dashboardUrl}   (the ICE test button is there)`);
  for (const p of s.greeterPorts) row('peer', `udp-greeter on 127.0.0.1:${p}`);
  const turncat = turncatCommand(s.configs, s.greeterPorts);
  if (turncat) {
    row('try it', turncat);
    out.push('                 (type a line: the greeter answers through the TURN relay)');
  }
  out.push('Edit the manifests and save: local mode re-renders and reconciles in place. Ctrl-C stops.');
  return `${out.join('\n')}\n`;
}

/**
 * A turncat command that talks to the first greeter through the first TURN-UDP listener; with
 * `redact` the password is a placeholder (the dashboard shows configs without credentials).
 */
export function turncatCommand(
  configs: readonly StunnerConfig[],
  greeterPorts: readonly number[],
  redact = false,
): string | undefined {
  const first = configs.find((c) => c.listeners.some((l) => l.protocol === 'TURN-UDP'));
  const udp = first?.listeners.find((l) => l.protocol === 'TURN-UDP');
  if (!first || !udp || greeterPorts.length === 0) return undefined;
  const { username, password } = first.auth.credentials;
  const creds =
    first.auth.type === 'static' && username && password
      ? `${username}:${redact ? '<password>' : password}@`
      : '<user>:<pass>@';
  const uri = turnUri(udp).replace(/^turn:/, `turn://${creds}`);
  return `npm run turncat -- - '${uri}' udp://127.0.0.1:${greeterPorts[0]}`;
}
