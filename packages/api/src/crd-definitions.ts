// What deploy/crds/ holds: one entry per stunner.l7mp.io CRD, with its served versions (reference/stunner-v1.md §2.4).
import type { z } from 'zod';
import { routeStatusSchema } from './common-schemas.ts';
import { dataplaneSpecSchema } from './dataplane.ts';
import { gatewayConfigSpecSchema, gatewayConfigV1Alpha1SpecSchema } from './gateway-config.ts';
import { staticServiceSpecSchema } from './static-service.ts';
import { udpRouteSpecSchema } from './udp-route.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CrdVersion {
  name: string;
  storage: boolean;
  description: string;
  spec: z.ZodType;
  status?: z.ZodType;
  printerColumns: PrinterColumn[];
}

export interface CrdDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Namespaced' | 'Cluster';
  versions: CrdVersion[];
}

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

const gatewayConfigColumns: PrinterColumn[] = [
  { name: 'Realm', type: 'string', jsonPath: '.spec.realm' },
  { name: 'Auth', type: 'string', jsonPath: '.spec.authType' },
  age,
];

export const CRD_DEFINITIONS: readonly CrdDefinition[] = [
  {
    kind: 'Dataplane',
    plural: 'dataplanes',
    singular: 'dataplane',
    shortNames: ['dps'],
    scope: 'Cluster',
    versions: [
      {
        name: 'v1',
        storage: true,
        description: 'Dataplane is the template of the stunnerd pods the operator provisions for each Gateway.',
        spec: dataplaneSpecSchema,
        printerColumns: [{ name: 'Image', type: 'string', jsonPath: '.spec.image' }, age],
      },
    ],
  },
  {
    kind: 'GatewayConfig',
    plural: 'gatewayconfigs',
    singular: 'gatewayconfig',
    shortNames: ['gwconf'],
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        storage: true,
        description: 'GatewayConfig holds the STUN/TURN authentication and dataplane settings of a GatewayClass.',
        spec: gatewayConfigSpecSchema,
        printerColumns: [
          ...gatewayConfigColumns.slice(0, 2),
          { name: 'Dataplane', type: 'string', jsonPath: '.spec.dataplane' },
          age,
        ],
      },
      {
        name: 'v1alpha1',
        storage: false,
        description: 'GatewayConfig (deprecated version) holds the STUN/TURN settings of a GatewayClass.',
        spec: gatewayConfigV1Alpha1SpecSchema,
        printerColumns: gatewayConfigColumns,
      },
    ],
  },
  {
    kind: 'StaticService',
    plural: 'staticservices',
    singular: 'staticservice',
    shortNames: ['ssvc'],
    scope: 'Namespaced',
    versions: ['v1', 'v1alpha1'].map((name) => ({
      name,
      storage: name === 'v1',
      description: 'StaticService is a set of IP prefixes of a backend outside the cluster, for UDPRoutes.',
      spec: staticServiceSpecSchema,
      printerColumns: [{ name: 'Prefixes', type: 'string', jsonPath: '.spec.prefixes' }, age] as PrinterColumn[],
    })),
  },
  {
    kind: 'UDPRoute',
    plural: 'udproutes',
    singular: 'udproute',
    shortNames: [],
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        storage: true,
        description: 'UDPRoute lists the backends peers may be reached at through the Gateways it attaches to.',
        spec: udpRouteSpecSchema,
        status: routeStatusSchema,
        printerColumns: [{ name: 'Parents', type: 'string', jsonPath: '.spec.parentRefs[*].name' }, age],
      },
    ],
  },
];
