// StaticService (stunner.l7mp.io/v1, v1alpha1 still served): IP prefixes of a backend outside the cluster (§2.4).
import { z } from 'zod';
import { objectMetaSchema } from './common-schemas.ts';
import { parsePrefix } from './ip-prefix.ts';

export const staticServiceSpecSchema = z.object({
  prefixes: z
    .array(
      z.string().refine((p) => parsePrefix(p) !== undefined, {
        message: 'expected an IP address or a CIDR prefix, e.g. 192.0.2.0/24',
      }),
    )
    .describe('IP prefixes (CIDR or plain address) peers may be reached at.'),
});

const kinds = { kind: z.literal('StaticService'), metadata: objectMetaSchema, spec: staticServiceSpecSchema };
export const staticServiceSchema = z.object({ apiVersion: z.literal('stunner.l7mp.io/v1'), ...kinds });
export const staticServiceV1Alpha1Schema = z.object({ apiVersion: z.literal('stunner.l7mp.io/v1alpha1'), ...kinds });

export type StaticService = z.output<typeof staticServiceSchema>;
