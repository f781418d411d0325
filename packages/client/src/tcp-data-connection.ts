import type { Socket } from 'node:net';
import {
  ConnectionId,
  decodeStunMessage,
  ErrorCode,
  MessageClass,
  Method,
  StunMessageBuilder,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
} from '@stunner/stun';
import { errorFromResponse } from './error-response.ts';
import { TurnClientError } from './errors.ts';
import type { LongTermCredentials } from './long-term-credentials.ts';
import { connectStreamSocket } from './stream-transport.ts';
import type { TransportConnectOptions } from './transport.ts';

/** How long the ConnectionBind response may take. */
const BIND_TIMEOUT_MS = 10_000;

/**
 * Opens an RFC 6062 data connection (§5.4 client side): a new TCP/TLS connection to the server that
 * carries one ConnectionBind for `connectionId`, signed with the allocation's credentials; once it
 * succeeds the socket carries the peer's bytes both ways and is returned (bytes that came right
 * after the response are put back to be read).
 */
export async function openDataConnection(
  options: TransportConnectOptions,
  credentials: LongTermCredentials,
  connectionId: number,
  server: string,
): Promise<Socket> {
  const socket = await connectStreamSocket(options);
  try {
    const b = new StunMessageBuilder(Method.ConnectionBind, MessageClass.Request).add(ConnectionId, connectionId);
    credentials.sign(b);
    const key = credentials.key;
    socket.write(b.build({ key, integrity: credentials.integrity, fingerprint: true }));
    const [frame, leftover] = await readOneMessage(socket, server);
    const res = decodeStunMessage(frame);
    if (!res.transactionId.equals(b.transactionId) || res.method !== Method.ConnectionBind) {
      throw new TurnClientError('TURN_CLIENT_ERR_PROTOCOL', `${server}: the ConnectionBind answer does not match`);
    }
    if (res.messageClass !== MessageClass.SuccessResponse) {
      const e = res.get(ErrorCode);
      throw errorFromResponse(e?.code ?? 500, e?.reason ?? '', 'ConnectionBind', server);
    }
    const verified =
      key === undefined ||
      (res.integritySha256Offset >= 0
        ? verifyMessageIntegritySha256(res, key)
        : res.integrityOffset < 0 || verifyMessageIntegrity(res, key));
    if (!verified) {
      throw new TurnClientError('TURN_CLIENT_ERR_PROTOCOL', `${server}: the ConnectionBind response fails integrity`);
    }
    if (leftover.length > 0) socket.unshift(leftover);
    // Flowing again by the time the caller, resumed in a microtask, has added its 'data' listener.
    socket.resume();
    return socket;
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/** Reads one STUN message (RFC 8489 §6: 20-byte header, then its length) and whatever followed it. */
function readOneMessage(socket: Socket, server: string): Promise<[Buffer, Buffer]> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(
      () => done(new TurnClientError('TURN_CLIENT_ERR_TIMEOUT', `${server}: no ConnectionBind answer`)),
      BIND_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 20) return;
      const total = 20 + buffered.readUInt16BE(2);
      if (buffered.length < total) return;
      done(undefined, [buffered.subarray(0, total), buffered.subarray(total)]);
    };
    const onClose = () => done(new TurnClientError('TURN_CLIENT_ERR_CLOSED', `${server} closed the data connection`));
    const done = (err: Error | undefined, result?: [Buffer, Buffer]) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      socket.pause();
      if (err) reject(err);
      else resolve(result!);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
  });
}
