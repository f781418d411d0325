// Headless Chromium for the browser tests (Debian `chromium`, driven by playwright-core; never
// playwright's own browser download).
import { createHash, X509Certificate } from 'node:crypto';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless on a machine without outside network: no sandbox as root, no GPU, and no background
 * traffic. Playwright gives the browser a fresh temporary profile (--user-data-dir).
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchChromiumOptions {
  /**
   * Chromium checks a `turns:` server's certificate: accept the certificate whose public key this PEM
   * holds (the test's self-signed one), and nothing else.
   */
  trustCertPem?: string;
  /** Launch limit, ms. Default 30000. */
  timeoutMs?: number;
}

/** `--ignore-certificate-errors-spki-list` for the public key (SHA-256, base64) of `certPem`. */
function trustPublicKey(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`;
}

export function launchChromium(options: LaunchChromiumOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: options.trustCertPem === undefined ? CHROMIUM_ARGS : [...CHROMIUM_ARGS, trustPublicKey(options.trustCertPem)],
    timeout: options.timeoutMs ?? 30_000,
  });
}
