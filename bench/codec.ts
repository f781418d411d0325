// `npm run bench -- codec [--json]`: the codec's per-message costs, each beside the same work done
// by an independent codec (@msimerson/stun) in the same run where it has an equivalent.
import stun from '@msimerson/stun';
import {
  Attr,
  channelDataPayload,
  channelNumberOf,
  decodeStunMessage,
  encodeChannelData,
  encodeMessageType,
  longTermKey,
  MessageClass,
  Method,
  Nonce,
  Realm,
  RequestedTransport,
  StunMessageBuilder,
  Username,
  verifyMessageIntegrity,
  XorMappedAddress,
} from '@stunner/stun';
import type { BenchResult } from './run.ts';

/** Runs `op` repeatedly for about `ms` milliseconds (after a warm-up) and returns operations per second. */
function opsPerSecond(op: () => unknown, ms = 1000, maxOps = 50_000_000): number {
  for (let i = 0; i < 10_000; i++) op();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms && ops < maxOps) {
    for (let i = 0; i < 1000; i++) op();
    ops += 1000;
    now = performance.now();
  }
  return Math.round(ops / ((now - start) / 1000));
}

let sink: unknown;

export async function run(): Promise<BenchResult> {
  const channelData = encodeChannelData(0x4001, Buffer.alloc(200, 7));
  const channelDataDecode = opsPerSecond(() => {
    sink = channelDataPayload(channelData);
    sink = channelNumberOf(channelData);
  });

  const key = longTermKey('user', 'stunner.l7mp.io', 'pass');
  const allocate = new StunMessageBuilder(Method.Allocate, MessageClass.Request)
    .add(RequestedTransport, 17)
    .add(Username, 'user')
    .add(Realm, 'stunner.l7mp.io')
    .add(Nonce, 'a3f1c2d4e5b6a7980123456789abcdef')
    .build({ key, fingerprint: true });
  const allocateDecodeVerify = opsPerSecond(() => {
    const msg = decodeStunMessage(allocate);
    sink = msg.get(Username);
    sink = msg.get(Realm);
    sink = msg.get(Nonce);
    if (!verifyMessageIntegrity(msg, key)) throw new Error('integrity');
  });
  const oracleAllocateDecodeVerify = opsPerSecond(() => {
    const msg = stun.decode(allocate);
    sink = msg.getAttribute(Attr.Username)?.value;
    if (!stun.validateMessageIntegrity(msg, key)) throw new Error('integrity');
  });

  const tid = Buffer.alloc(12, 1);
  const client = { family: 'IPv4', address: '203.0.113.50', port: 50000 } as const;
  const bindingEncode = opsPerSecond(() => {
    sink = new StunMessageBuilder(Method.Binding, MessageClass.SuccessResponse, tid)
      .add(XorMappedAddress, client)
      .build();
  });
  const bindingType = encodeMessageType(Method.Binding, MessageClass.SuccessResponse);
  const oracleBindingEncode = opsPerSecond(() => {
    const m = stun.createMessage(bindingType, tid);
    m.addAttribute(Attr.XorMappedAddress, client.address, client.port);
    sink = m.toBuffer();
  });
  void sink;

  return {
    channel_data_decode_ops_per_s: channelDataDecode,
    allocate_decode_verify_ops_per_s: allocateDecodeVerify,
    oracle_allocate_decode_verify_ops_per_s: oracleAllocateDecodeVerify,
    allocate_decode_verify_ratio_vs_oracle: Number((allocateDecodeVerify / oracleAllocateDecodeVerify).toFixed(2)),
    binding_response_encode_ops_per_s: bindingEncode,
    oracle_binding_response_encode_ops_per_s: oracleBindingEncode,
    binding_response_encode_ratio_vs_oracle: Number((bindingEncode / oracleBindingEncode).toFixed(2)),
  };
}
