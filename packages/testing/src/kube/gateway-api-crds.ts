// Stand-ins for the Gateway API CRDs (gateway.networking.k8s.io): the tests cannot download the upstream
// bundle, so these are minimal structural CRDs with the upstream group, kinds, scopes, served versions
// (standard channel: GatewayClass and Gateway at v1 + v1beta1; experimental: UDPRoute at v1alpha2) and
// status subresources. spec and status keep unknown fields: validation is the operator's (zod) job here.
import { GATEWAY_API_GROUP } from '@stunner/api';

interface KindSpec {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Namespaced' | 'Cluster';
  versions: string[];
}

const KINDS: readonly KindSpec[] = [
  {
    kind: 'GatewayClass',
    plural: 'gatewayclasses',
    singular: 'gatewayclass',
    shortNames: ['gc'],
    scope: 'Cluster',
    versions: ['v1', 'v1beta1'],
  },
  {
    kind: 'Gateway',
    plural: 'gateways',
    singular: 'gateway',
    shortNames: ['gtw'],
    scope: 'Namespaced',
    versions: ['v1', 'v1beta1'],
  },
  {
    kind: 'UDPRoute',
    plural: 'udproutes',
    singular: 'udproute',
    shortNames: [],
    scope: 'Namespaced',
    versions: ['v1alpha2'],
  },
];

const opaque = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

export function gatewayApiCrds(): Record<string, unknown>[] {
  return KINDS.map((k) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${k.plural}.${GATEWAY_API_GROUP}`,
      annotations: {
        // *.k8s.io groups are protected: upstream's CRDs carry this approval (KEP 1111).
        'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/1538',
        'gateway.networking.k8s.io/bundle-version': 'v1.2.1-stunner-test-stand-in',
      },
    },
    spec: {
      group: GATEWAY_API_GROUP,
      names: {
        kind: k.kind,
        listKind: `${k.kind}List`,
        plural: k.plural,
        singular: k.singular,
        shortNames: k.shortNames,
      },
      scope: k.scope,
      versions: k.versions.map((name, i) => ({
        name,
        served: true,
        storage: i === 0,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: opaque,
              status: opaque,
            },
            required: ['spec'],
          },
        },
        subresources: { status: {} },
      })),
    },
  }));
}
