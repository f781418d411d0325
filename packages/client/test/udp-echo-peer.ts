import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface EchoPeer {
  port: number;
  /** Datagrams received so far, with their sources. */
  received: Array<{ data: string; from: RemoteInfo }>;
  close(): Promise<void>;
}

/** A UDP peer on 127.0.0.1 that answers each datagram with `echo:<payload>`. */
export async function startEchoPeer(): Promise<EchoPeer> {
  const socket: Socket = createSocket('udp4');
  const received: EchoPeer['received'] = [];
  socket.on('message', (msg, from) => {
    received.push({ data: msg.toString(), from });
    socket.send(Buffer.concat([Buffer.from('echo:'), msg]), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    received,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
