// The page's files: this package's public/ folder, and uPlot from its npm package (no CDN: the
// dashboard works offline). Read once, on first request.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DashboardError } from './errors.ts';

export interface Asset {
  type: string;
  body: Buffer;
}

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));
const require = createRequire(import.meta.url);

function uplotDist(): string {
  try {
    return join(dirname(require.resolve('uplot/package.json')), 'dist');
  } catch (err) {
    throw new DashboardError('DASHBOARD_ERR_ASSET', `uPlot is not installed (npm install): ${(err as Error).message}`);
  }
}

const FILES: Record<string, () => string> = {
  '/': () => join(PUBLIC, 'index.html'),
  '/app.css': () => join(PUBLIC, 'app.css'),
  '/app.js': () => join(PUBLIC, 'app.js'),
  '/charts.js': () => join(PUBLIC, 'charts.js'),
  '/format.js': () => join(PUBLIC, 'format.js'),
  '/ice-test.js': () => join(PUBLIC, 'ice-test.js'),
  '/render.js': () => join(PUBLIC, 'render.js'),
  '/favicon.svg': () => join(PUBLIC, 'favicon.svg'),
  '/vendor/uPlot.esm.js': () => join(uplotDist(), 'uPlot.esm.js'),
  '/vendor/uPlot.min.css': () => join(uplotDist(), 'uPlot.min.css'),
};

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

const cache = new Map<string, Asset>();

/** The asset served at `path`, or undefined for anything else. */
export function readAsset(path: string): Asset | undefined {
  const hit = cache.get(path);
  if (hit) return hit;
  const file = FILES[path]?.();
  if (!file) return undefined;
  const ext = file.slice(file.lastIndexOf('.') + 1);
  const asset = { type: TYPES[ext] ?? 'application/octet-stream', body: readFileSync(file) };
  cache.set(path, asset);
  return asset;
}
