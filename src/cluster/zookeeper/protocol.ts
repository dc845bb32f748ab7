/**
 * The records of ZooKeeper's client protocol (zookeeper.jute, module org.apache.zookeeper.proto)
 * that this client speaks, and the numbers that go with them (ZooDefs.OpCode, the reserved xids
 * of ClientCnxn, CreateMode flags, Watcher.Event types).
 */
import type { JuteReader, JuteWriter } from './jute.js';

export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getChildren: 8,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  createContainer: 19,
  createTTL: 21,
  setWatches: 101,
  closeSession: -11,
  error: -1,
} as const;

/** Xids the protocol reserves: the server answers pings and SetWatches with them and sends watch events with -1. */
export const Xid = {
  notification: -1,
  ping: -2,
  auth: -4,
  setWatches: -8,
} as const;

export type CreateMode = 'persistent' | 'ephemeral' | 'persistentSequential' | 'ephemeralSequential' | 'container';

/** CreateMode's flag values in CreateRequest.flags. */
export const createFlags: Readonly<Record<CreateMode, number>> = {
  persistent: 0,
  ephemeral: 1,
  persistentSequential: 2,
  ephemeralSequential: 3,
  container: 4,
};

export type WatchedEventType = 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged';

/** Watcher.Event.EventType numbers of the node events; None (-1) and the watch-removed events are not node events. */
export const eventTypes: ReadonlyMap<number, WatchedEventType> = new Map([
  [1, 'NodeCreated'],
  [2, 'NodeDeleted'],
  [3, 'NodeDataChanged'],
  [4, 'NodeChildrenChanged'],
]);

/** A znode's metadata (org.apache.zookeeper.data.Stat). Zxids and the owner session id are exact 64-bit values. */
export interface Stat {
  /** Zxid of the transaction that created the node (Kafka's broker epoch for /brokers/ids/<id>). */
  czxid: bigint;
  mzxid: bigint;
  /** Milliseconds since the epoch. */
  ctime: number;
  mtime: number;
  /** Data version: what setData, delete and check compare with. */
  version: number;
  /** Child version: bumped by every create and delete of a child. */
  cversion: number;
  aversion: number;
  /** Session id of the owner of an ephemeral node, 0 for any other node. */
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

export function readStat(r: JuteReader): Stat {
  return {
    czxid: r.long(),
    mzxid: r.long(),
    ctime: Number(r.long()),
    mtime: Number(r.long()),
    version: r.int(),
    cversion: r.int(),
    aversion: r.int(),
    ephemeralOwner: r.long(),
    dataLength: r.int(),
    numChildren: r.int(),
    pzxid: r.long(),
  };
}

/** ZooDefs.Perms.ALL for world:anyone (ZooDefs.Ids.OPEN_ACL_UNSAFE), the only ACL this client writes. */
export function writeOpenAcl(w: JuteWriter): void {
  w.int(1).int(31).ustring('world').ustring('anyone');
}

export interface ConnectRequest {
  lastZxidSeen: bigint;
  timeoutMs: number;
  sessionId: bigint;
  passwd: Buffer;
}

/** ConnectRequest, then the readOnly flag every 3.4+ server reads after it (false: this client never asks for a read-only session). */
export function writeConnectRequest(w: JuteWriter, c: ConnectRequest): void {
  w.int(0).long(c.lastZxidSeen).int(c.timeoutMs).long(c.sessionId).buffer(c.passwd).boolean(false);
}

export interface ConnectResponse {
  protocolVersion: number;
  /** The negotiated session timeout; 0 or less when the server refuses the session (expired, or a wrong password). */
  timeoutMs: number;
  sessionId: bigint;
  passwd: Buffer;
  readOnly: boolean;
}

export function readConnectResponse(r: JuteReader): ConnectResponse {
  const protocolVersion = r.int();
  const timeoutMs = r.int();
  const sessionId = r.long();
  const passwd = Buffer.from(r.buffer() ?? Buffer.alloc(0));
  // Servers older than 3.4 end the record before the flag.
  const readOnly = r.remaining > 0 ? r.boolean() : false;
  return { protocolVersion, timeoutMs, sessionId, passwd, readOnly };
}

export interface ReplyHeader {
  xid: number;
  zxid: bigint;
  err: number;
}

export function readReplyHeader(r: JuteReader): ReplyHeader {
  return { xid: r.int(), zxid: r.long(), err: r.int() };
}

/** One operation of a multi (MultiOperationRecord). A version of -1 matches any version; every other value, 0 included, is sent as given. */
export type MultiOp =
  | { op: 'create'; path: string; data?: Buffer; mode?: CreateMode }
  | { op: 'delete'; path: string; version?: number }
  | { op: 'setData'; path: string; data: Buffer; version?: number }
  | { op: 'check'; path: string; version: number };

/** The result of one operation of a multi that succeeded. */
export type MultiResult = { op: 'create'; path: string } | { op: 'delete' } | { op: 'setData'; stat: Stat } | { op: 'check' };

/**
 * One operation's result inside a failed multi: ZooKeeper answers every operation with an error,
 * code 0 for those before the one that failed, the failing one's own code, and
 * RUNTIMEINCONSISTENCY for those after it (nothing of a failed multi is applied).
 */
export type MultiOpOutcome = MultiResult | { op: 'error'; code: number };

/** Writes one multi operation's MultiHeader and request record; `serverPath` maps the path to the server's (chroot). */
export function writeMultiOp(w: JuteWriter, op: MultiOp, serverPath: (p: string) => string): void {
  switch (op.op) {
    case 'create': {
      const mode = op.mode ?? 'persistent';
      // The Java client's Op.create: opcode create, or createContainer for a container (the server refuses a container flag under any other opcode).
      w.int(mode === 'container' ? OpCode.createContainer : OpCode.create).boolean(false).int(-1);
      w.ustring(serverPath(op.path)).buffer(op.data ?? Buffer.alloc(0));
      writeOpenAcl(w);
      w.int(createFlags[mode]);
      return;
    }
    case 'delete':
      w.int(OpCode.delete).boolean(false).int(-1);
      w.ustring(serverPath(op.path)).int(op.version ?? -1);
      return;
    case 'setData':
      w.int(OpCode.setData).boolean(false).int(-1);
      w.ustring(serverPath(op.path)).buffer(op.data).int(op.version ?? -1);
      return;
    case 'check':
      w.int(OpCode.check).boolean(false).int(-1);
      w.ustring(serverPath(op.path)).int(op.version);
      return;
  }
}

/** The MultiHeader that ends a MultiOperationRecord or a MultiResponse. */
export function writeMultiEnd(w: JuteWriter): void {
  w.int(-1).boolean(true).int(-1);
}

/** Reads a MultiResponse; `clientPath` strips the chroot from created paths. Null (and the reader marked bad) when the record is malformed. */
export function readMultiResponse(r: JuteReader, clientPath: (p: string) => string): MultiOpOutcome[] | null {
  const out: MultiOpOutcome[] = [];
  for (;;) {
    const type = r.int();
    const done = r.boolean();
    r.int(); // err: repeated in an error's ErrorResponse
    if (!r.ok) return null;
    if (done) return out;
    switch (type) {
      case OpCode.create:
        out.push({ op: 'create', path: clientPath(r.ustring() ?? '') });
        break;
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL: {
        const path = clientPath(r.ustring() ?? '');
        readStat(r);
        out.push({ op: 'create', path });
        break;
      }
      case OpCode.delete:
        out.push({ op: 'delete' });
        break;
      case OpCode.setData:
        out.push({ op: 'setData', stat: readStat(r) });
        break;
      case OpCode.check:
        out.push({ op: 'check' });
        break;
      case OpCode.error:
        out.push({ op: 'error', code: r.int() });
        break;
      default:
        // An operation type this client cannot read: nothing after it can be found either.
        r.invalidate();
        return null;
    }
    if (!r.ok) return null;
  }
}
