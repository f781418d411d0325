import type { IncomingMessage, ServerResponse } from 'node:http';

/** Origins allowed to read answers from a browser: `*` or exact origins such as `https://app.example.com`. */
export type CorsOrigins = readonly string[];

/** Sets the CORS answer headers for an allowed origin; returns whether the origin is allowed. */
export function applyCors(origins: CorsOrigins, req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  res.setHeader('Vary', 'Origin');
  if (origin === undefined) return false;
  if (origins.includes('*')) {
    res.setHeader('Access-Control-Allow-Origin', '*');
    return true;
  }
  if (!origins.includes(origin)) return false;
  res.setHeader('Access-Control-Allow-Origin', origin);
  return true;
}

/** Answers a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`). */
export function answerPreflight(origins: CorsOrigins, req: IncomingMessage, res: ServerResponse): void {
  if (!applyCors(origins, req, res)) {
    res
      .writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end(`origin ${req.headers.origin ?? '(none)'} is not allowed\n`);
    return;
  }
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization',
    'Access-Control-Max-Age': '600',
  });
  res.end();
}
