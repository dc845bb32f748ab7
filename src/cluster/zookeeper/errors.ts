/**
 * ZooKeeper's error codes (KeeperException.Code in the Java client, the ZAPI codes of the C
 * client) with their numbers on the wire. CLOSING is the C client's code for a request made to,
 * or still pending on, a client that is being closed; the Java client has no such code.
 */
export const ZkCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  CLOSING: -116,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;

export type ZkCodeName = keyof typeof ZkCode;

const namesByCode = new Map<number, ZkCodeName>(Object.entries(ZkCode).map(([n, c]) => [c, n as ZkCodeName]));

/** The name of a code, or `UNKNOWN(<n>)` for a code this client does not know. */
export function zkCodeName(code: number): string {
  return namesByCode.get(code) ?? `UNKNOWN(${code})`;
}

/**
 * A ZooKeeper error code, returned by the server or decided by the client (CONNECTIONLOSS,
 * REQUESTTIMEOUT, SESSIONEXPIRED, CLOSING). `code` is the number on the wire; compare it with
 * `ZkCode.*`. CONNECTIONLOSS and REQUESTTIMEOUT on a write mean its outcome is unknown.
 */
export class ZooKeeperError extends Error {
  readonly codeName: string;

  constructor(
    readonly code: number,
    readonly path?: string,
    detail?: string,
  ) {
    const name = zkCodeName(code);
    super(`${name}${path !== undefined ? ` for ${path}` : ''}${detail ? `: ${detail}` : ''}`);
    this.name = 'ZooKeeperError';
    this.codeName = name;
  }
}

/** True when `err` is a ZooKeeperError with this code. */
export function isZkError(err: unknown, code: number): err is ZooKeeperError {
  return err instanceof ZooKeeperError && err.code === code;
}
