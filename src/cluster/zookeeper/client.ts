/**
 * Samsa's own ZooKeeper client: the jute wire protocol of ZooKeeper 3.5+ (tested against 3.8),
 * for the cluster-mode metadata backend (Kafka 3.9's ZooKeeper layout).
 *
 * What it supports
 * - One session over a connection string `host:port,host:port/chroot` (Kafka's
 *   `zookeeper.connect`); the chroot is applied to every path sent and stripped from every path
 *   received. The session timeout is negotiated with the server (minSessionTimeout..max).
 * - Reconnection to the next member (round robin, optionally shuffled first) with the same
 *   session id and password, and the last zxid seen, so a member that is behind refuses us and
 *   we move on. After a reconnect the watches still wanted are re-armed with SetWatches
 *   (opcode 101) relative to that zxid, so a change made while disconnected fires them at once.
 * - A read timeout: a server silent for 2/3 of the negotiated session timeout is treated as gone
 *   (a frozen member keeps its TCP connection open; only silence tells). Pings go out when
 *   nothing was sent for 1/3 of it, so a live server is never silent that long.
 * - Session expiry as its own outcome: the `expired` event, state `expired`, SESSIONEXPIRED on
 *   every pending and later request. A disconnect is `disconnected` and CONNECTIONLOSS on the
 *   requests in flight (their outcome is unknown); the session may still be alive.
 * - Every request bounded by `requestTimeoutMs`: one that was sent fails with REQUESTTIMEOUT and
 *   drops the connection (replies come in order, so everything behind it is stuck too); one never
 *   sent because no server was reachable fails with CONNECTIONLOSS.
 * - create (persistent, ephemeral, sequential of both, container; create2 / createContainer, so
 *   the Stat comes back), delete, exists, getData, getChildren (getChildren2) with one-shot data,
 *   exists and child watches, setData, multi of create/delete/setData/check, ping, close
 *   (CloseSession, which removes the session's ephemerals at once).
 * - Errors are `ZooKeeperError` with ZooKeeper's numeric code (`ZkCode.NONODE` ...); a failed
 *   multi is a `ZooKeeperMultiError` with every operation's outcome.
 * - ACLs: every node is created world:anyone with all permissions; no authentication.
 * - Time (pings, read timeout, request timeouts, connect attempts, backoff) runs on an
 *   injectable Clock, so its rules are tested on simulated time against a fake server.
 *
 * Why our own: Kafka's controller fencing depends on a multi whose check on /controller_epoch's
 * version is sent exactly, version 0 included. `node-zookeeper-client` turns a version-0 check
 * into -1, "any version" (its issue #67), and never notices a frozen server (#13, #20); the native
 * `zookeeper` package has no multi. A deposed controller would then write unfenced.
 *
 * Not supported: auth and ACLs other than open, read-only sessions, persistent and recursive
 * watches (SetWatches2, addWatch), TTL nodes, getACL/setACL, sync, reconfig, SASL, TLS.
 */
import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { systemClock, type Clock, type Timer } from '../../util/clock.js';
import { log as rootLog } from '../../util/log.js';
import { parseConnectString, validatePath, type ServerAddress } from './connect-string.js';
import { ZkCode, ZooKeeperError } from './errors.js';
import { FrameSplitter } from './frames.js';
import { JuteReader, JuteWriter } from './jute.js';
import {
  createFlags,
  eventTypes,
  OpCode,
  readConnectResponse,
  readMultiResponse,
  readReplyHeader,
  readStat,
  writeConnectRequest,
  writeMultiEnd,
  writeMultiOp,
  writeOpenAcl,
  Xid,
  type CreateMode,
  type MultiOp,
  type MultiOpOutcome,
  type MultiResult,
  type ReplyHeader,
  type Stat,
  type WatchedEventType,
} from './protocol.js';

export interface ZooKeeperClientOptions {
  /** `host:port[,host:port...][/chroot]`, as Kafka's zookeeper.connect. */
  connect: string;
  /** The session timeout asked for; the server clamps it to its min/max. Default 18000 (Kafka's zookeeper.session.timeout.ms). */
  sessionTimeoutMs?: number;
  /** How long `connect()` waits for the first session before it gives up and closes the client. Default: the session timeout (Kafka's zookeeper.connection.timeout.ms default). */
  connectionTimeoutMs?: number;
  /** Bound on every request from the moment it is made. Default: the session timeout. */
  requestTimeoutMs?: number;
  /** Shuffle the servers once before the first attempt, as the Java client does, so clients spread over the ensemble. Default true. */
  randomizeServers?: boolean;
  /** Largest packet accepted from a server. Default 16 MiB, well above ZooKeeper's jute.maxbuffer (1 MiB). */
  maxFrameBytes?: number;
  clock?: Clock;
}

export type ClientState = 'connecting' | 'connected' | 'reconnecting' | 'expired' | 'closed';

/** What a one-shot watcher is told: a node event, or that the watch ended with the session. */
export interface WatchedEvent {
  type: WatchedEventType | 'SessionExpired' | 'Closed';
  /** The node's path, relative to the chroot. */
  path: string;
}

export type Watcher = (event: WatchedEvent) => void;

export interface WatchOptions {
  /** Called once, for the first event on this node after the request succeeded (kept across reconnects). */
  watch?: Watcher;
}

export interface CreateOptions {
  mode?: CreateMode;
}

export interface ConnectedInfo {
  sessionId: bigint;
  /** The negotiated timeout. */
  sessionTimeoutMs: number;
  /** host:port of the member now serving the session. */
  server: string;
  /** True when this is the same session on a new connection. */
  reconnected: boolean;
}

export interface DisconnectedInfo {
  server: string;
  reason: string;
}

export interface ZooKeeperClientEvents {
  connected: [info: ConnectedInfo];
  /** The connection to `server` is gone; the client is already trying the next member with the same session. */
  disconnected: [info: DisconnectedInfo];
  /** The server declared the session expired: its ephemerals and watches are gone and this client is finished. */
  expired: [];
  closed: [];
}

/** A multi that ZooKeeper refused: `code` is the first failing operation's, `results` has every operation's outcome. */
export class ZooKeeperMultiError extends ZooKeeperError {
  constructor(
    code: number,
    readonly failedIndex: number,
    readonly results: MultiOpOutcome[],
  ) {
    super(code, undefined, `multi operation ${failedIndex} failed`);
    this.name = 'ZooKeeperMultiError';
  }
}

interface Pending {
  xid: number;
  opcode: number;
  path: string | undefined;
  frame: Buffer;
  deadline: number;
  /** Settles the caller's promise; false when the reply was malformed (the connection is then dropped). */
  reply(h: ReplyHeader, r: JuteReader): boolean;
  fail(err: ZooKeeperError): void;
}

interface Call<T> {
  /** Client-side checks of the arguments; what it throws rejects the call before anything is sent. */
  validate?: () => void;
  opcode: number;
  path?: string;
  body?: (w: JuteWriter) => void;
  /** The reply body when the reply's err is 0. */
  decode: (r: JuteReader) => T;
  /** A value for an error code that is an answer rather than a failure (exists: NONODE is null). */
  recover?: (code: number) => T | undefined;
  /** Runs once the value is known good (watch registration). */
  settled?: (value: T) => void;
}

interface PingWaiter {
  resolve(): void;
  reject(err: ZooKeeperError): void;
}

const DEFAULT_SESSION_TIMEOUT_MS = 18_000;
/** ClientCnxn's SET_WATCHES_MAX_LENGTH: below any server's jute.maxbuffer, so a long watch list never gets the session's connection refused. */
const SET_WATCHES_MAX_BYTES = 128 * 1024;
const BACKOFF_BASE_MS = 50;
const BACKOFF_MAX_MS = 1000;

export class ZooKeeperClient extends EventEmitter<ZooKeeperClientEvents> {
  private readonly servers: ServerAddress[];
  private readonly chroot: string;
  private readonly clock: Clock;
  private readonly requestedTimeoutMs: number;
  private readonly connectionTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxFrameBytes: number;
  private readonly log = rootLog.child({ component: 'zookeeper' });

  private stateValue: ClientState = 'connecting';
  private started = false;
  private closingPromise: Promise<void> | null = null;
  private closeDone: (() => void) | null = null;

  private sessionIdValue = 0n;
  private passwd: Buffer = Buffer.alloc(16);
  private negotiatedTimeoutMs = 0;
  private lastZxid = 0n;
  private xidCounter = 0;

  private nextServer = 0;
  private failedAttempts = 0;
  private sock: Socket | null = null;
  private sockServer = '';
  private sockError = '';
  private handshaking = false;
  private splitter: FrameSplitter;
  private lastSendAt = 0;
  private lastRecvAt = 0;

  private queued: Pending[] = [];
  private sent: Pending[] = [];
  private pingWaiters: (PingWaiter | null)[] = [];
  private connectWaiters: { resolve(): void; reject(err: Error): void }[] = [];

  private attemptTimer: Timer | null = null;
  private backoffTimer: Timer | null = null;
  private connectTimer: Timer | null = null;
  private pingTimer: Timer | null = null;
  private readTimer: Timer | null = null;
  private requestTimer: Timer | null = null;
  private keepAlive: NodeJS.Timeout | null = null;

  private readonly dataWatches = new Map<string, Set<Watcher>>();
  private readonly existWatches = new Map<string, Set<Watcher>>();
  private readonly childWatches = new Map<string, Set<Watcher>>();

  constructor(opts: ZooKeeperClientOptions) {
    super();
    const cs = parseConnectString(opts.connect);
    this.servers = cs.servers;
    if (opts.randomizeServers ?? true) {
      for (let i = this.servers.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [this.servers[i], this.servers[j]] = [this.servers[j]!, this.servers[i]!];
      }
    }
    this.chroot = cs.chroot;
    this.clock = opts.clock ?? systemClock;
    this.requestedTimeoutMs = opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    this.connectionTimeoutMs = opts.connectionTimeoutMs ?? this.requestedTimeoutMs;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? this.requestedTimeoutMs;
    this.maxFrameBytes = opts.maxFrameBytes ?? 16 * 1024 * 1024;
    this.splitter = new FrameSplitter(this.maxFrameBytes);
  }

  get state(): ClientState {
    return this.stateValue;
  }

  /** The session id (0n before the first session). */
  get sessionId(): bigint {
    return this.sessionIdValue;
  }

  /** The negotiated session timeout (0 before the first session). */
  get sessionTimeoutMs(): number {
    return this.negotiatedTimeoutMs;
  }

  /** host:port of the member serving the session while connected. */
  get server(): string | undefined {
    return this.stateValue === 'connected' ? this.sockServer : undefined;
  }

  /**
   * Starts the client and resolves once a session is established. Rejects with CONNECTIONLOSS, and
   * closes the client, when no member gave a session within `connectionTimeoutMs`.
   */
  connect(): Promise<void> {
    if (this.stateValue === 'connected') return Promise.resolve();
    const ended = this.endedError();
    if (ended) return Promise.reject(ended);
    const p = new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve, reject }));
    if (!this.started) {
      this.started = true;
      this.connectTimer = this.clock.schedule(this.connectionTimeoutMs, () => {
        this.connectTimer = null;
        if (this.stateValue !== 'connecting') return;
        const err = new ZooKeeperError(ZkCode.CONNECTIONLOSS, undefined, `no session from ${this.describeServers()} within ${this.connectionTimeoutMs} ms`);
        this.rejectConnectWaiters(err);
        void this.close();
      });
      this.startAttempt();
    }
    return p;
  }

  /** Creates a node (create2, or createContainer for a container); returns its path (with the sequence number, if sequential) and Stat. */
  create(path: string, data: Buffer = Buffer.alloc(0), opts: CreateOptions = {}): Promise<{ path: string; stat: Stat }> {
    const mode = opts.mode ?? 'persistent';
    return this.call({
      validate: () => validatePath(path, mode === 'persistentSequential' || mode === 'ephemeralSequential'),
      opcode: mode === 'container' ? OpCode.createContainer : OpCode.create2,
      path,
      body: (w) => {
        w.ustring(this.toServerPath(path)).buffer(data);
        writeOpenAcl(w);
        w.int(createFlags[mode]);
      },
      decode: (r) => ({ path: this.toClientPath(r.ustring() ?? ''), stat: readStat(r) }),
    });
  }

  /** Deletes a node; `version` -1 (the default) matches any version, any other value (0 included) must equal the node's. */
  delete(path: string, version = -1): Promise<void> {
    return this.call({
      validate: () => validatePath(path),
      opcode: OpCode.delete,
      path,
      body: (w) => w.ustring(this.toServerPath(path)).int(version),
      decode: () => undefined,
    });
  }

  /** The node's Stat, or null when it does not exist; a watch fires on its creation, deletion or data change. */
  exists(path: string, opts: WatchOptions = {}): Promise<Stat | null> {
    const watch = opts.watch;
    return this.call<Stat | null>({
      validate: () => validatePath(path),
      opcode: OpCode.exists,
      path,
      body: (w) => w.ustring(this.toServerPath(path)).boolean(watch !== undefined),
      decode: (r) => readStat(r),
      recover: (code) => (code === ZkCode.NONODE ? null : undefined),
      // As the Java client: a watch on an existing node is a data watch, on a missing one an exists watch.
      settled: (stat) => watch && addWatch(stat ? this.dataWatches : this.existWatches, path, watch),
    });
  }

  /** The node's data (a view of the reply, not a copy) and Stat; a watch fires on its deletion or data change. */
  getData(path: string, opts: WatchOptions = {}): Promise<{ data: Buffer; stat: Stat }> {
    const watch = opts.watch;
    return this.call({
      validate: () => validatePath(path),
      opcode: OpCode.getData,
      path,
      body: (w) => w.ustring(this.toServerPath(path)).boolean(watch !== undefined),
      decode: (r) => ({ data: r.buffer() ?? Buffer.alloc(0), stat: readStat(r) }),
      settled: () => watch && addWatch(this.dataWatches, path, watch),
    });
  }

  /** Sets a node's data; `version` -1 (the default) matches any version, any other value (0 included) must equal the node's. */
  setData(path: string, data: Buffer, version = -1): Promise<Stat> {
    return this.call({
      validate: () => validatePath(path),
      opcode: OpCode.setData,
      path,
      body: (w) => w.ustring(this.toServerPath(path)).buffer(data).int(version),
      decode: (r) => readStat(r),
    });
  }

  /** The node's children (names, unsorted, as the server keeps them) and Stat; a watch fires on a child's creation or deletion, or the node's deletion. */
  getChildren(path: string, opts: WatchOptions = {}): Promise<{ children: string[]; stat: Stat }> {
    const watch = opts.watch;
    return this.call({
      validate: () => validatePath(path),
      opcode: OpCode.getChildren2,
      path,
      body: (w) => w.ustring(this.toServerPath(path)).boolean(watch !== undefined),
      decode: (r) => ({ children: r.vector((x) => x.ustring() ?? '') ?? [], stat: readStat(r) }),
      settled: () => watch && addWatch(this.childWatches, path, watch),
    });
  }

  /**
   * Runs the operations as one transaction: all are applied or none. Each version is sent as
   * given (a check at version 0 means version 0; -1 means any). On failure rejects with a
   * ZooKeeperMultiError carrying the failing operation's code and every operation's outcome.
   */
  multi(ops: readonly MultiOp[]): Promise<MultiResult[]> {
    return this.call<MultiResult[]>({
      validate: () => {
        for (const op of ops) validatePath(op.path, op.op === 'create' && (op.mode === 'persistentSequential' || op.mode === 'ephemeralSequential'));
      },
      opcode: OpCode.multi,
      body: (w) => {
        for (const op of ops) writeMultiOp(w, op, (p) => this.toServerPath(p));
        writeMultiEnd(w);
      },
      decode: (r) => {
        const outcomes = readMultiResponse(r, (p) => this.toClientPath(p));
        if (outcomes === null) return [];
        const failedIndex = outcomes.findIndex((o) => o.op === 'error' && o.code !== ZkCode.OK);
        if (failedIndex >= 0) {
          const failed = outcomes[failedIndex] as { op: 'error'; code: number };
          throw new ZooKeeperMultiError(failed.code, failedIndex, outcomes);
        }
        return outcomes as MultiResult[];
      },
    });
  }

  /** Sends a ping and resolves with the round trip in ms of the clock; bounded by the read timeout. */
  ping(): Promise<number> {
    const ended = this.endedError();
    if (ended) return Promise.reject(ended);
    if (this.stateValue !== 'connected') return Promise.reject(new ZooKeeperError(ZkCode.CONNECTIONLOSS, undefined, 'not connected'));
    const started = this.clock.now();
    return new Promise<number>((resolve, reject) => {
      this.pingWaiters.push({ resolve: () => resolve(this.clock.now() - started), reject });
      this.write(pingFrame());
    });
  }

  /**
   * Ends the session: CloseSession (which removes its ephemerals at once) when connected, after
   * the requests already sent are answered. Pending and later requests fail with CLOSING.
   */
  close(): Promise<void> {
    if (this.stateValue === 'closed' || this.stateValue === 'expired') return Promise.resolve();
    if (this.closingPromise) return this.closingPromise;
    this.closingPromise = new Promise<void>((resolve) => (this.closeDone = resolve));
    if (this.stateValue === 'connected') {
      const finish = () => this.finishClose();
      this.enqueue(this.pending({ opcode: OpCode.closeSession, decode: () => undefined }, finish, finish));
    } else {
      this.finishClose();
    }
    return this.closingPromise;
  }

  // ---- requests ----

  private call<T>(c: Call<T>): Promise<T> {
    const ended = this.endedError();
    if (ended) return Promise.reject(ended);
    try {
      c.validate?.();
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<T>((resolve, reject) => this.enqueue(this.pending(c, resolve, reject)));
  }

  private pending<T>(c: Call<T>, resolve: (v: T) => void, reject: (e: Error) => void): Pending {
    const xid = this.nextXid();
    const w = new JuteWriter();
    w.frame().int(xid).int(c.opcode);
    c.body?.(w);
    return {
      xid,
      opcode: c.opcode,
      path: c.path,
      frame: w.finish(),
      deadline: this.clock.now() + this.requestTimeoutMs,
      reply: (h, r) => {
        let value: T;
        if (h.err !== ZkCode.OK) {
          const recovered = c.recover?.(h.err);
          if (recovered === undefined) {
            reject(new ZooKeeperError(h.err, c.path));
            return true;
          }
          value = recovered;
        } else {
          try {
            value = c.decode(r);
          } catch (err) {
            reject(err as Error);
            return r.ok;
          }
          if (!r.ok) {
            reject(new ZooKeeperError(ZkCode.MARSHALLINGERROR, c.path, 'malformed reply'));
            return false;
          }
        }
        c.settled?.(value);
        resolve(value);
        return true;
      },
      fail: reject,
    };
  }

  private nextXid(): number {
    // Positive and below 2^31: the negative xids are the protocol's reserved ones.
    this.xidCounter = this.xidCounter >= 0x7fff_ffff ? 1 : this.xidCounter + 1;
    return this.xidCounter;
  }

  private enqueue(p: Pending): void {
    if (this.stateValue === 'connected') this.send(p);
    else this.queued.push(p);
    this.armRequestTimer();
  }

  private send(p: Pending): void {
    this.sent.push(p);
    this.write(p.frame);
  }

  private write(frame: Buffer): void {
    if (!this.sock) return;
    this.sock.write(frame);
    this.lastSendAt = this.clock.now();
  }

  private armRequestTimer(): void {
    if (this.requestTimer) return;
    const a = this.sent[0];
    const b = this.queued[0];
    const deadline = Math.min(a?.deadline ?? Infinity, b?.deadline ?? Infinity);
    if (deadline === Infinity) return;
    this.requestTimer = this.clock.schedule(deadline - this.clock.now(), () => {
      // Timers run before the poll phase: after a stall of the event loop a reply may be
      // waiting unread, so let one round of I/O in before judging.
      setImmediate(() => {
        this.requestTimer = null;
        if (!this.isEnded()) this.sweepRequests();
      });
    });
  }

  private sweepRequests(): void {
    const now = this.clock.now();
    while (this.queued.length > 0 && this.queued[0]!.deadline <= now) {
      const p = this.queued.shift()!;
      p.fail(new ZooKeeperError(ZkCode.CONNECTIONLOSS, p.path, `not sent: no server reachable within ${this.requestTimeoutMs} ms`));
    }
    const head = this.sent[0];
    if (head && head.deadline <= now) {
      this.sent.shift();
      head.fail(new ZooKeeperError(ZkCode.REQUESTTIMEOUT, head.path, `no reply within ${this.requestTimeoutMs} ms`));
      if (!this.isEnded()) this.connectionLost(`request ${head.xid} got no reply within ${this.requestTimeoutMs} ms`);
    }
    this.armRequestTimer();
  }

  // ---- connection ----

  private startAttempt(): void {
    this.backoffTimer = null;
    this.clearKeepAlive();
    if (this.isEnded()) return;
    const addr = this.servers[this.nextServer]!;
    this.nextServer = (this.nextServer + 1) % this.servers.length;
    const label = `${addr.host}:${addr.port}`;
    const sock = netConnect({ host: addr.host, port: addr.port });
    sock.setNoDelay(true);
    this.sock = sock;
    this.sockServer = label;
    this.sockError = '';
    this.handshaking = true;
    this.splitter = new FrameSplitter(this.maxFrameBytes);
    // ClientCnxn's connect timeout: the session timeout shared by the members, so one round
    // over a dead ensemble fits in one session timeout.
    const attemptMs = Math.max(1, Math.floor((this.negotiatedTimeoutMs || this.requestedTimeoutMs) / this.servers.length));
    this.attemptTimer = this.clock.schedule(attemptMs, () => {
      this.attemptTimer = null;
      if (this.sock === sock && this.handshaking) this.attemptFailed(`no session within ${attemptMs} ms`);
    });
    sock.on('connect', () => {
      if (this.sock !== sock) return;
      const w = new JuteWriter(64).frame();
      writeConnectRequest(w, {
        lastZxidSeen: this.lastZxid,
        timeoutMs: this.requestedTimeoutMs,
        sessionId: this.sessionIdValue,
        passwd: this.passwd,
      });
      this.write(w.finish());
    });
    sock.on('data', (chunk: Buffer) => this.onData(sock, chunk));
    sock.on('error', (err) => {
      if (this.sock === sock) this.sockError = err.message;
    });
    sock.on('close', () => {
      if (this.sock !== sock) return;
      const reason = this.sockError || 'connection closed by the server';
      if (this.handshaking) this.attemptFailed(reason);
      else this.connectionLost(reason);
    });
  }

  private attemptFailed(reason: string): void {
    const server = this.sockServer;
    this.teardownSocket();
    this.failedAttempts++;
    this.log.debug({ server, reason, sessionId: this.sessionHex() }, 'ZooKeeper connection attempt failed');
    if (this.isEnded()) return;
    if (this.failedAttempts % this.servers.length !== 0) {
      this.startAttempt();
      return;
    }
    // Every member failed once: wait before the next round, longer each round, capped well
    // below any session timeout so a member coming back is found in time.
    const round = this.failedAttempts / this.servers.length;
    if ((round & (round - 1)) === 0) {
      this.log.warn({ servers: this.describeServers(), rounds: round, reason, sessionId: this.sessionHex() }, 'no ZooKeeper server reachable; still trying');
    }
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(round - 1, 10));
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.backoffTimer = this.clock.schedule(delay, () => this.startAttempt());
    // Clock timers never hold the process open, and between rounds no socket does either: a
    // caller awaiting connect() or a request would see the process exit under it.
    if (this.connectWaiters.length > 0 || this.queued.length > 0) this.keepAlive = setTimeout(() => {}, delay + 1000);
  }

  private onData(sock: Socket, chunk: Buffer): void {
    if (this.sock !== sock) return;
    this.lastRecvAt = this.clock.now();
    this.splitter.push(chunk);
    for (;;) {
      let frame: Buffer | null;
      try {
        frame = this.splitter.next();
      } catch (err) {
        this.protocolError((err as Error).message);
        return;
      }
      if (frame === null) return;
      if (this.handshaking) this.onConnectResponse(frame);
      else this.onReply(frame);
      if (this.sock !== sock) return;
    }
  }

  private onConnectResponse(frame: Buffer): void {
    const r = new JuteReader(frame);
    const resp = readConnectResponse(r);
    if (!r.ok) {
      this.attemptFailed('malformed ConnectResponse');
      return;
    }
    if (resp.timeoutMs <= 0) {
      // The server's answer to a session it no longer has (or a wrong password): final.
      if (this.sessionIdValue !== 0n) this.expire(`${this.sockServer} reported the session expired`);
      else this.attemptFailed('the server refused a new session');
      return;
    }
    const reconnected = this.sessionIdValue !== 0n;
    this.sessionIdValue = resp.sessionId;
    this.passwd = resp.passwd;
    this.negotiatedTimeoutMs = resp.timeoutMs;
    this.handshaking = false;
    this.failedAttempts = 0;
    this.attemptTimer?.cancel();
    this.attemptTimer = null;
    this.connectTimer?.cancel();
    this.connectTimer = null;
    this.stateValue = 'connected';
    const now = this.clock.now();
    this.lastRecvAt = now;
    this.lastSendAt = now;
    this.armPing();
    this.armRead();
    this.log.info({ server: this.sockServer, sessionId: this.sessionHex(), sessionTimeoutMs: resp.timeoutMs, reconnected }, 'ZooKeeper session connected');
    if (reconnected) this.sendSetWatches();
    const queued = this.queued;
    this.queued = [];
    for (const p of queued) this.send(p);
    const info: ConnectedInfo = { sessionId: resp.sessionId, sessionTimeoutMs: resp.timeoutMs, server: this.sockServer, reconnected };
    const waiters = this.connectWaiters;
    this.connectWaiters = [];
    for (const w of waiters) w.resolve();
    this.emit('connected', info);
  }

  private onReply(frame: Buffer): void {
    const r = new JuteReader(frame);
    const h = readReplyHeader(r);
    if (!r.ok) {
      this.protocolError('malformed reply header');
      return;
    }
    switch (h.xid) {
      case Xid.notification:
        this.onNotification(r);
        return;
      case Xid.ping:
        this.pingWaiters.shift()?.resolve();
        return;
      case Xid.setWatches:
        if (h.err !== ZkCode.OK) this.log.warn({ server: this.sockServer, err: h.err }, 'SetWatches failed');
        return;
      case Xid.auth:
        return;
    }
    const p = this.sent[0];
    if (!p || p.xid !== h.xid) {
      this.protocolError(`reply for xid ${h.xid} while ${p ? `xid ${p.xid}` : 'nothing'} was outstanding`);
      return;
    }
    this.sent.shift();
    // As ClientCnxn: only replies to requests move the zxid the next ConnectRequest and SetWatches carry.
    if (h.zxid > 0n) this.lastZxid = h.zxid;
    if (!p.reply(h, r)) {
      this.protocolError(`malformed reply to opcode ${p.opcode}`);
      return;
    }
    if (p.opcode === OpCode.closeSession) this.teardownSocket();
  }

  private onNotification(r: JuteReader): void {
    const type = r.int();
    r.int(); // KeeperState: always SyncConnected on a node event
    const serverPath = r.ustring();
    if (!r.ok || serverPath === null) {
      this.protocolError('malformed watch event');
      return;
    }
    const eventType = eventTypes.get(type);
    if (!eventType) return;
    const path = this.toClientPath(serverPath);
    const fire: Watcher[] = [];
    const take = (m: Map<string, Set<Watcher>>) => {
      const s = m.get(path);
      if (!s) return;
      m.delete(path);
      for (const w of s) fire.push(w);
    };
    // Which watches an event triggers: ZKWatchManager.materialize.
    switch (eventType) {
      case 'NodeCreated':
      case 'NodeDataChanged':
        take(this.dataWatches);
        take(this.existWatches);
        break;
      case 'NodeChildrenChanged':
        take(this.childWatches);
        break;
      case 'NodeDeleted':
        take(this.dataWatches);
        take(this.existWatches);
        take(this.childWatches);
        break;
    }
    this.deliver(new Set(fire), { type: eventType, path });
  }

  private deliver(watchers: Iterable<Watcher>, event: WatchedEvent): void {
    for (const w of watchers) {
      try {
        w(event);
      } catch (err) {
        this.log.error({ err, path: event.path, event: event.type }, 'a ZooKeeper watcher threw');
      }
    }
  }

  private sendSetWatches(): void {
    const kinds: [Map<string, Set<Watcher>>, string[]][] = [
      [this.dataWatches, []],
      [this.existWatches, []],
      [this.childWatches, []],
    ];
    let bytes = 0;
    const flush = () => {
      const w = new JuteWriter().frame().int(Xid.setWatches).int(OpCode.setWatches).long(this.lastZxid);
      for (const [, list] of kinds) w.vector(list, (x, p) => x.ustring(p));
      this.write(w.finish());
      for (const k of kinds) k[1] = [];
      bytes = 0;
    };
    let any = false;
    for (const k of kinds) {
      for (const path of k[0].keys()) {
        const sp = this.toServerPath(path);
        const len = Buffer.byteLength(sp) + 4;
        if (bytes > 0 && bytes + len > SET_WATCHES_MAX_BYTES) flush();
        k[1].push(sp);
        bytes += len;
        any = true;
      }
    }
    if (any && bytes > 0) flush();
  }

  private armPing(): void {
    const interval = Math.max(1, Math.floor(this.negotiatedTimeoutMs / 3));
    this.pingTimer = this.clock.schedule(this.lastSendAt + interval - this.clock.now(), () => {
      this.pingTimer = null;
      if (this.stateValue !== 'connected') return;
      if (this.clock.now() - this.lastSendAt >= interval) {
        this.pingWaiters.push(null);
        this.write(pingFrame());
      }
      this.armPing();
    });
  }

  private armRead(): void {
    const readTimeout = Math.max(1, Math.floor((this.negotiatedTimeoutMs * 2) / 3));
    const sock = this.sock;
    this.readTimer = this.clock.schedule(this.lastRecvAt + readTimeout - this.clock.now(), () => {
      // As for requests: a stalled event loop must not read as a silent server, so the bytes
      // already received are read first.
      setImmediate(() => {
        if (this.stateValue !== 'connected' || this.sock !== sock) return;
        this.readTimer = null;
        const silent = this.clock.now() - this.lastRecvAt;
        if (silent >= readTimeout) this.connectionLost(`no reply for ${silent} ms (read timeout ${readTimeout} ms)`);
        else this.armRead();
      });
    });
  }

  private protocolError(reason: string): void {
    this.log.warn({ server: this.sockServer, reason }, 'ZooKeeper protocol error; dropping the connection');
    if (this.handshaking) this.attemptFailed(reason);
    else this.connectionLost(reason);
  }

  private connectionLost(reason: string): void {
    const server = this.sockServer;
    this.teardownSocket();
    const lost = this.sent;
    this.sent = [];
    for (const p of lost) p.fail(new ZooKeeperError(ZkCode.CONNECTIONLOSS, p.path, reason));
    this.failPings(new ZooKeeperError(ZkCode.CONNECTIONLOSS, undefined, reason));
    if (this.closingPromise) {
      this.finishClose();
      return;
    }
    if (this.isEnded()) return;
    this.stateValue = 'reconnecting';
    this.log.info({ server, reason, sessionId: this.sessionHex() }, 'ZooKeeper connection lost; reconnecting with the same session');
    this.emit('disconnected', { server, reason });
    if (!this.isEnded()) this.startAttempt();
  }

  private teardownSocket(): void {
    for (const t of [this.attemptTimer, this.pingTimer, this.readTimer]) t?.cancel();
    this.attemptTimer = this.pingTimer = this.readTimer = null;
    const sock = this.sock;
    this.sock = null;
    this.handshaking = false;
    sock?.destroy();
  }

  private clearKeepAlive(): void {
    if (this.keepAlive) clearTimeout(this.keepAlive);
    this.keepAlive = null;
  }

  private failPings(err: ZooKeeperError): void {
    const waiters = this.pingWaiters;
    this.pingWaiters = [];
    for (const w of waiters) w?.reject(err);
  }

  private expire(reason: string): void {
    if (this.isEnded()) return;
    this.log.warn({ sessionId: this.sessionHex(), reason }, 'ZooKeeper session expired');
    this.stateValue = 'expired';
    this.end(ZkCode.SESSIONEXPIRED, reason, 'SessionExpired');
    this.emit('expired');
  }

  private finishClose(): void {
    if (this.isEnded()) return;
    this.stateValue = 'closed';
    this.end(ZkCode.CLOSING, 'the client was closed', 'Closed');
    this.log.info({ sessionId: this.sessionHex() }, 'ZooKeeper client closed');
    this.emit('closed');
    this.closeDone?.();
  }

  /** Stops everything and fails what is left with `code`; every watcher is told once. */
  private end(code: number, reason: string, watchEvent: 'SessionExpired' | 'Closed'): void {
    this.teardownSocket();
    for (const t of [this.backoffTimer, this.connectTimer, this.requestTimer]) t?.cancel();
    this.backoffTimer = this.connectTimer = this.requestTimer = null;
    this.clearKeepAlive();
    const left = [...this.sent, ...this.queued];
    this.sent = [];
    this.queued = [];
    for (const p of left) p.fail(new ZooKeeperError(code, p.path, reason));
    this.failPings(new ZooKeeperError(code, undefined, reason));
    this.rejectConnectWaiters(new ZooKeeperError(code, undefined, reason));
    const byWatcher = new Map<Watcher, string>();
    for (const m of [this.dataWatches, this.existWatches, this.childWatches]) {
      for (const [path, set] of m) for (const w of set) if (!byWatcher.has(w)) byWatcher.set(w, path);
      m.clear();
    }
    for (const [w, path] of byWatcher) this.deliver([w], { type: watchEvent, path });
  }

  private rejectConnectWaiters(err: Error): void {
    const waiters = this.connectWaiters;
    this.connectWaiters = [];
    for (const w of waiters) w.reject(err);
  }

  private isEnded(): boolean {
    return this.stateValue === 'expired' || this.stateValue === 'closed';
  }

  private endedError(): ZooKeeperError | null {
    if (this.stateValue === 'expired') return new ZooKeeperError(ZkCode.SESSIONEXPIRED, undefined, 'the session has expired');
    if (this.stateValue === 'closed' || this.closingPromise) return new ZooKeeperError(ZkCode.CLOSING, undefined, 'the client is closed');
    return null;
  }

  private toServerPath(path: string): string {
    if (this.chroot === '') return path;
    return path === '/' ? this.chroot : this.chroot + path;
  }

  private toClientPath(serverPath: string): string {
    if (this.chroot === '') return serverPath;
    if (serverPath === this.chroot) return '/';
    return serverPath.startsWith(this.chroot + '/') ? serverPath.slice(this.chroot.length) : serverPath;
  }

  private sessionHex(): string {
    return '0x' + this.sessionIdValue.toString(16);
  }

  private describeServers(): string {
    return this.servers.map((s) => `${s.host}:${s.port}`).join(',');
  }
}

function addWatch(m: Map<string, Set<Watcher>>, path: string, w: Watcher): void {
  let s = m.get(path);
  if (!s) m.set(path, (s = new Set()));
  s.add(w);
}

let pingBytes: Buffer | null = null;
function pingFrame(): Buffer {
  pingBytes ??= new JuteWriter(12).frame().int(Xid.ping).int(OpCode.ping).finish();
  return pingBytes;
}
