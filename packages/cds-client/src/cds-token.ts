// The CDS bearer token (off by default, as STUNner's CDS is unauthenticated): a file, usually a
// mounted Secret's key, named by $STUNNER_CDS_TOKEN_FILE for every client (stunnerd, authd,
// stunnerctl, turncat) and the operator's CDS server alike. Read at each request or dial, so a
// rotated Secret is picked up without a restart.
import { readFileSync } from 'node:fs';
import { CdsError } from './cds-error.ts';

export const CDS_TOKEN_FILE_ENV = 'STUNNER_CDS_TOKEN_FILE';

/** The token in `path` (surrounding whitespace trimmed); throws CDS_ERR_TOKEN naming what to fix. */
export function readCdsToken(path: string): string {
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (cause) {
    throw new CdsError('CDS_ERR_TOKEN', `cannot read the CDS token file ${path} (${CDS_TOKEN_FILE_ENV})`, path, {
      cause,
    });
  }
  if (token === '') throw new CdsError('CDS_ERR_TOKEN', `the CDS token file ${path} is empty`, path);
  return token;
}

/** The token to send: `explicit`, else the file $STUNNER_CDS_TOKEN_FILE names, else none. */
export function cdsToken(explicit?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (explicit !== undefined) return explicit;
  const path = env[CDS_TOKEN_FILE_ENV];
  return path ? readCdsToken(path) : undefined;
}

/** Request headers carrying the token, if there is one. */
export function cdsAuthHeaders(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { Authorization: `Bearer ${token}` };
}
