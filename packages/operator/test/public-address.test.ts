import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BASE, gateway, renderYaml, statusOf } from './render-helpers.ts';

const UDP = '[{ name: udp, port: 3478, protocol: TURN-UDP }]';

function liveService(type: string, status: string, nodePort = ''): string {
  return `
---
apiVersion: v1
kind: Service
metadata: { name: gw, namespace: stunner }
spec: { type: ${type}, ports: [{ name: udp, protocol: UDP, port: 3478${nodePort} }] }
status: ${status}`;
}

const NODES = `
---
apiVersion: v1
kind: Node
metadata: { name: n1 }
status: { addresses: [{ type: InternalIP, address: 10.0.0.11 }] }
---
apiVersion: v1
kind: Node
metadata: { name: n2 }
status: { addresses: [{ type: InternalIP, address: 10.0.0.12 }, { type: ExternalIP, address: 203.0.113.12 }] }`;

const cases: {
  name: string;
  gwExtra?: string;
  addresses?: string;
  extra: string;
  want?: [string, number];
  type?: string;
}[] = [
  {
    name: 'spec.addresses wins over the LB status',
    addresses: '[{ type: IPAddress, value: 198.51.100.7 }]',
    extra: liveService('LoadBalancer', '{ loadBalancer: { ingress: [{ ip: 34.1.1.1 }] } }'),
    want: ['198.51.100.7', 3478],
  },
  {
    name: 'LB ingress IP',
    extra: liveService('LoadBalancer', '{ loadBalancer: { ingress: [{ ip: 34.1.1.1 }, { ip: 34.2.2.2 }] } }'),
    want: ['34.1.1.1', 3478],
  },
  {
    name: 'LB ingress hostname (AWS)',
    extra: liveService('LoadBalancer', '{ loadBalancer: { ingress: [{ hostname: a1.elb.amazonaws.com }] } }'),
    want: ['a1.elb.amazonaws.com', 3478],
    type: 'Hostname',
  },
  {
    name: 'LB per-port ingress status picks the matching port',
    extra: liveService(
      'LoadBalancer',
      '{ loadBalancer: { ingress: [{ ip: 34.9.9.9, ports: [{ port: 443, protocol: TCP }] }, { ip: 34.3.3.3, ports: [{ port: 3478, protocol: UDP }] }] } }',
    ),
    want: ['34.3.3.3', 3478],
  },
  {
    name: 'IPv6 LB ingress',
    extra: liveService('LoadBalancer', '{ loadBalancer: { ingress: [{ ip: "2001:db8::10" }] } }'),
    want: ['2001:db8::10', 3478],
  },
  {
    name: 'NodePort: first Node ExternalIP with the kept NodePort',
    gwExtra: ', annotations: { stunner.l7mp.io/service-type: NodePort }',
    extra: liveService('NodePort', '{}', ', nodePort: 30478') + NODES,
    want: ['203.0.113.12', 30478],
  },
  {
    name: 'LB without ingress falls back to a Node and the NodePort',
    extra: liveService('LoadBalancer', '{}', ', nodePort: 30479') + NODES,
    want: ['203.0.113.12', 30479],
  },
  { name: 'nothing known: no public address', extra: NODES },
];

for (const c of cases) {
  test(`public address: ${c.name}`, () => {
    let gw = gateway('gw', UDP, c.gwExtra ?? '');
    if (c.addresses) gw = gw.replace('listeners:', `addresses: ${c.addresses}\n  listeners:`);
    const r = renderYaml(BASE + gw + c.extra);
    const l = r.configs[0]!.listeners[0]!;
    const st = statusOf(r, 'Gateway', 'gw', 'stunner');
    if (c.want) {
      assert.deepEqual([l.public_address, l.public_port], c.want);
      assert.deepEqual(st.addresses, [{ type: c.type ?? 'IPAddress', value: c.want[0] }]);
    } else {
      assert.equal(l.public_address, undefined);
      assert.equal(st.addresses, undefined);
    }
  });
}
