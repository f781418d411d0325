import {
  MessageClass,
  Method,
  type StunMessage,
  StunMessageBuilder,
  UnknownAttributes,
  XorMappedAddress,
} from '@stunner/stun';
import type { ClientEndpoint } from './endpoint.ts';
import type { EngineState } from './engine-state.ts';
import { KNOWN_ATTRIBUTES } from './known-attributes.ts';
import { mappedAddress, refuseUnauthenticated } from './response.ts';
import { attributeBytes } from './response-budget.ts';

/** Binding (RFC 8489 §6.3.1): XOR-MAPPED-ADDRESS only, so a Binding is no amplifier (turn.md §5.4). */
export function handleBinding(s: EngineState, msg: StunMessage, client: ClientEndpoint): void {
  const unknown = msg.unknownComprehensionRequired(KNOWN_ATTRIBUTES);
  if (unknown.length > 0) {
    refuseUnauthenticated(
      s,
      msg,
      client,
      420,
      (b) => b.add(UnknownAttributes, unknown),
      attributeBytes(2 * unknown.length),
    );
    return;
  }
  const b = new StunMessageBuilder(Method.Binding, MessageClass.SuccessResponse, msg.transactionId);
  b.add(XorMappedAddress, mappedAddress(client));
  s.sink.sendToClient(client, b.build({ fingerprint: msg.fingerprintOffset >= 0 }));
}
