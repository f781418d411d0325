// Validation of a Gateway's listeners (§2.5, §2.9): protocol support, port conflicts, TLS certificates.
import { type Gateway, type GatewayListener, type ListenerProtocol, normalizeListenerProtocol } from '@stunner/api';
import type { ConditionInput } from './conditions.ts';
import type { GatewayKnobs } from './gateway-annotations.ts';
import { key, type ObjectIndex } from './object-index.ts';
import { ERR, objectId, type RenderIssue } from './render-issue.ts';
import { secretValueBase64 } from './secret-data.ts';

export interface ListenerPlan {
  listener: GatewayListener;
  /** Index into spec.listeners, for error paths. */
  index: number;
  protocol?: ListenerProtocol;
  /** Service/L4 protocol: TURN-UDP/DTLS ride UDP, TURN-TCP/TLS ride TCP (§2.6). */
  l4: 'UDP' | 'TCP';
  /** Port stunnerd listens on: the targetport annotation or the listener port. */
  containerPort: number;
  cert?: string;
  key?: string;
  /** Accepted, not conflicted and its references resolved: rendered into the config and the Service. */
  ready: boolean;
  /** Repeats the port and L4 protocol of an earlier listener (Conflicted=True, §2.5). */
  conflicted: boolean;
  conditions: ConditionInput[];
}

const CERT_KEYS = ['tls.crt', 'crt', 'cert'];
const KEY_KEYS = ['tls.key', 'key'];

function resolveCertificate(
  gw: Gateway,
  l: GatewayListener,
  idx: ObjectIndex,
): { cert: string; key: string } | { error: string } {
  const mode = l.tls?.mode;
  if (mode !== undefined && mode !== 'Terminate') return { error: `tls.mode must be Terminate, not ${mode}` };
  const refs = l.tls?.certificateRefs ?? [];
  if (refs.length === 0) return { error: 'TLS/DTLS listeners need tls.certificateRefs' };
  for (const ref of refs) {
    if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') continue;
    const secret = idx.secrets.get(key(ref.namespace ?? gw.metadata.namespace, ref.name));
    if (!secret) continue;
    const cert = CERT_KEYS.map((k) => secretValueBase64(secret, k)).find((v) => v !== undefined);
    const k = KEY_KEYS.map((kk) => secretValueBase64(secret, kk)).find((v) => v !== undefined);
    if (cert && k) return { cert, key: k };
  }
  return { error: 'no certificateRef resolves to a Secret with tls.crt and tls.key' };
}

export function planListeners(
  gw: Gateway,
  knobs: GatewayKnobs,
  idx: ObjectIndex,
  issues: RenderIssue[],
): ListenerPlan[] {
  const object = objectId('Gateway', gw.metadata);
  const taken = new Set<string>();
  return gw.spec.listeners.map((listener, index) => {
    const protocol = normalizeListenerProtocol(listener.protocol);
    const l4: 'UDP' | 'TCP' = protocol === 'TURN-TCP' || protocol === 'TURN-TLS' ? 'TCP' : 'UDP';
    const containerPort = knobs.targetPorts.get(listener.name) ?? listener.port;
    const plan: ListenerPlan = { listener, index, l4, containerPort, ready: false, conflicted: false, conditions: [] };
    const field = `spec.listeners[${index}]`;
    type Cond = Omit<ConditionInput, 'type'>;
    let accepted: Cond = { status: 'True', reason: 'Accepted', message: 'listener accepted' };
    let conflicted: Cond = { status: 'False', reason: 'NoConflicts', message: 'listener does not conflict' };
    let resolved: Cond = { status: 'True', reason: 'ResolvedRefs', message: 'listener object references resolved' };
    if (!protocol) {
      accepted = {
        ...accepted,
        status: 'False',
        reason: 'UnsupportedProtocol',
        message: `unsupported protocol "${listener.protocol}"`,
      };
      issues.push({
        code: ERR.UNSUPPORTED_PROTOCOL,
        object,
        field: `${field}.protocol`,
        message: `unsupported protocol "${listener.protocol}": use TURN-UDP, TURN-TCP, TURN-TLS or TURN-DTLS`,
      });
    } else {
      plan.protocol = protocol;
      // Two listeners on one port and L4 protocol cannot both bind (§2.5): the later one is skipped.
      const slot = `${l4}/${listener.port}`;
      if (taken.has(slot)) {
        accepted = {
          ...accepted,
          status: 'False',
          reason: 'PortUnavailable',
          message: `port ${listener.port}/${l4} already in use`,
        };
        conflicted = {
          ...conflicted,
          status: 'True',
          reason: 'ProtocolConflict',
          message: `an earlier listener uses ${listener.port}/${l4}`,
        };
        issues.push({
          code: ERR.LISTENER_CONFLICT,
          object,
          field: `${field}.port`,
          message: `listener "${listener.name}" repeats port ${listener.port}/${l4} of an earlier listener: change the port`,
        });
      } else {
        taken.add(slot);
        if (protocol === 'TURN-TLS' || protocol === 'TURN-DTLS') {
          const tls = resolveCertificate(gw, listener, idx);
          if ('error' in tls) {
            resolved = { ...resolved, status: 'False', reason: 'InvalidCertificateRef', message: tls.error };
            issues.push({ code: ERR.INVALID_CERTIFICATE_REF, object, field: `${field}.tls`, message: tls.error });
          } else {
            plan.cert = tls.cert;
            plan.key = tls.key;
          }
        }
      }
    }
    plan.conflicted = conflicted.status === 'True';
    plan.ready = accepted.status === 'True' && conflicted.status === 'False' && resolved.status === 'True';
    plan.conditions = [
      { ...accepted, type: 'Accepted' },
      { ...conflicted, type: 'Conflicted' },
      { ...resolved, type: 'ResolvedRefs' },
    ];
    return plan;
  });
}
