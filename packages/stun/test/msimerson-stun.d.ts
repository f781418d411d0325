// The parts of @msimerson/stun (untyped CJS) the cross-check test uses as an independent oracle.
declare module '@msimerson/stun' {
  interface OracleAttribute {
    readonly type: number;
    readonly value: unknown;
  }
  interface OracleMessage {
    readonly type: number;
    readonly transactionId: Buffer;
    getAttribute(type: number): OracleAttribute | undefined;
    addAttribute(type: number, ...args: unknown[]): OracleAttribute | undefined;
    addMessageIntegrity(key: Buffer | string): boolean;
    addFingerprint(): boolean;
    toBuffer(): Buffer;
    [Symbol.iterator](): Iterator<OracleAttribute>;
  }
  const stun: {
    createMessage(type: number, transactionId?: Buffer): OracleMessage;
    decode(buf: Buffer): OracleMessage;
    validateFingerprint(msg: OracleMessage): boolean;
    validateMessageIntegrity(msg: OracleMessage, key: Buffer | string): boolean;
  };
  export default stun;
}
