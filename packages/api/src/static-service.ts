// StaticService (stunner.l7mp.io/v1, v1alpha1 still served): IP prefixes of a backend outside the cluster (§2.4).
import { isIP } from 'node:net';
import { z } from 'zod';
import { objectMetaSchema } from './common-schemas.ts';

/** `10.0.0.1`, `10.0.0.0/8`, `2001:db8::/32`: what stunnerd's endpoint parser accepts before the port range (§1.2). */
export function isPrefix(p: string): boolean {
  const [ip, len, ...rest] = p.split('/');
  const family = isIP(ip ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (len === undefined) return true;
  const n = Number(len);
  return /^\d+$/.test(len) && n <= (family === 4 ? 32 : 128);
}

export const staticServiceSpecSchema = z.object({
  prefixes: z
    .array(z.string().refine(isPrefix, { message: 'expected an IP address or a CIDR prefix, e.g. 192.0.2.0/24' }))
    .describe('IP prefixes (CIDR or plain address) peers may be reached at.'),
});

const kinds = { kind: z.literal('StaticService'), metadata: objectMetaSchema, spec: staticServiceSpecSchema };
export const staticServiceSchema = z.object({ apiVersion: z.literal('stunner.l7mp.io/v1'), ...kinds });
export const staticServiceV1Alpha1Schema = z.object({ apiVersion: z.literal('stunner.l7mp.io/v1alpha1'), ...kinds });

export type StaticService = z.output<typeof staticServiceSchema>;
