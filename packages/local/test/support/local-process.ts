// Local mode as the process a user runs (`npm start` runs this main), on ports shifted by a free offset.
import { createSocket } from 'node:dgram';
import { cpSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type WatchedProcess, watchProcess } from '@stunner/testing';

export const LOCAL_MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
export const DEPLOY_LOCAL = fileURLToPath(new URL('../../../../deploy/local/', import.meta.url));

/** The ports deploy/local binds before the offset: TURN, a spare TURN port, health, authd, dashboard, greeter. */
export const BASE_PORTS = [3478, 3479, 3480, 8086, 8088, 8090, 9001];

function tcpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

/** An offset at which every port of BASE_PORTS is free (TCP and UDP, on the wildcard as stunnerd binds). */
export async function freeOffset(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 20000 + Math.floor(Math.random() * 30000);
    let free = true;
    for (const p of BASE_PORTS) {
      if (!(await tcpFree(p + offset, '0.0.0.0')) || !(await udpFree(p + offset, '0.0.0.0'))) {
        free = false;
        break;
      }
    }
    if (free) return offset;
  }
  throw new Error('no port offset with every local-mode port free');
}

/** A copy of deploy/local to edit. */
export function copyManifests(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stunner-local-'));
  cpSync(DEPLOY_LOCAL, dir, { recursive: true });
  return dir;
}

export interface LocalProcess {
  proc: WatchedProcess;
  dashboardUrl: string;
  authUrl: string;
}

export async function startLocal(args: string[]): Promise<LocalProcess> {
  const proc = watchProcess(process.execPath, [LOCAL_MAIN, ...args]);
  const [, dashboardUrl] = await proc.waitFor(/dashboard\s+(http:\S+)/, { timeoutMs: 30_000 });
  const [, authUrl] = proc.stdout().match(/authd\s+curl "(http:\/\/[^/"]+)/) ?? [];
  return { proc, dashboardUrl: dashboardUrl!, authUrl: authUrl! };
}
