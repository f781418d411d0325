// The core Kubernetes objects the renderer reads and writes, reduced to the fields it touches.
// Values the renderer does not interpret (probes, affinity, ...) stay `unknown`/records.
import type { ObjectMeta } from '@stunner/api';
import type { DeploymentSelector } from './label-selector.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Meta extends ObjectMeta {
  ownerReferences?: OwnerReference[];
}

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ports?: { port: number; protocol: string }[];
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: Meta;
  spec: {
    type?: string;
    selector?: Record<string, string>;
    ports?: ServicePort[];
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    sessionAffinity?: string;
    externalTrafficPolicy?: string;
    loadBalancerIP?: string;
    [k: string]: unknown;
  };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface EndpointSlice {
  apiVersion: 'discovery.k8s.io/v1';
  kind: 'EndpointSlice';
  metadata: Meta;
  addressType?: string;
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean } }[];
}

export interface Endpoints {
  apiVersion: 'v1';
  kind: 'Endpoints';
  metadata: Meta;
  subsets?: { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[] }[];
}

export interface Secret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: Meta;
  type?: string;
  /** Base64 values, as the apiserver returns them. */
  data?: Record<string, string>;
  /** Plain values, as manifests may give them. */
  stringData?: Record<string, string>;
}

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: Meta;
}

export interface Node {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: Meta;
  status?: { addresses?: { type: string; address: string }[] };
}

export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: Meta;
  immutable?: boolean;
  data: Record<string, string>;
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env?: unknown[];
  envFrom?: unknown[];
  ports?: { name: string; containerPort: number; protocol: string }[];
  resources?: unknown;
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  securityContext?: unknown;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface Deployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: Meta;
  spec: {
    replicas?: number;
    selector: DeploymentSelector;
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        containers: Container[];
        volumes?: { name: string; secret: { secretName: string } }[];
        [k: string]: unknown;
      };
    };
  };
}
