import { closeSync, readSync } from 'node:fs';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import { directReadAddon, sendfileAddon, type SendfileAddon } from '../native/index.js';
import type { FileRegion, Part } from '../protocol/writer.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { FrameReader, claimsMemory, type FrameBudget } from './frame-reader.js';
import type { RequestMemory, SpareHolder } from './request-memory.js';
import type { Session } from './security/session.js';

export interface ConnectionInfo {
  readonly id: number;
  readonly remote: string;
  /** Requests are read straight into their own buffers (onread on a duplicated fd). */
  readonly readsInPlace: boolean;
  readonly isClosed: boolean;
  /** Runs once the connection is closed (requests still waiting are then never answered). */
  whenClosed(listener: () => void): void;
  /** The listener, principal and SASL state of the connection. */
  readonly session: Session;
  /**
   * Reads and handles no more requests for this long, once the current response is out (a
   * client over its quota, KIP-219).
   */
  muteFor(ms: number): void;
}

/** What the broker does with one request frame: response parts, or null for no response (acks=0). */
export type Dispatch = (frame: Buffer, conn: ConnectionInfo) => Part[] | null | Promise<Part[] | null>;

export interface ConnectionLimits {
  maxFrameBytes: number;
  /** Reading pauses while unanswered request bytes exceed this. */
  maxInflightBytes: number;
  /** Reading pauses, and requests already read wait to be handled, at this many unanswered. */
  maxInflightRequests: number;
  /**
   * Response bytes queued but not yet taken by the kernel (file regions counted by length) above
   * which no more requests are read or handled, and no more is put into the socket's buffer.
   * Default DEFAULT_MAX_UNSENT_BYTES.
   */
  maxUnsentBytes?: number;
  /** See SEND_STALL_MS (the default). */
  sendStallMs?: number;
  /** Time for idle and stall checks; the system clock by default. */
  clock?: Clock;
  /** Told each request's phases once its response is handed to the socket (the request metrics). */
  observer?: RequestObserver;
}

/**
 * Request timing, in seconds, as Kafka's RequestMetrics split it: queue (read, waiting to be
 * handled), local (the handler's synchronous part), remote (waiting for replication, a long poll
 * or another broker), send (the answer waiting for earlier answers on the connection and for
 * room in the socket's buffer, until it is handed to the socket).
 */
export interface RequestObserver {
  requestDone(apiKey: number, queue: number, local: number, remote: number, send: number): void;
  connectionOpened?(): void;
  connectionClosed?(): void;
}

/**
 * Kafka answers one request per connection at a time, so a client that never reads makes it hold
 * one response. Samsa pipelines; this bounds what such a client makes it hold instead: a Fetch
 * naming one partition 3,600 times had every region read into the socket's buffer, +46 MiB per
 * connection, and the broker OOM at 36 connections. The kernel's own send buffer (several MiB on
 * a busy socket) keeps the link busy while this much waits in user space.
 */
export const DEFAULT_MAX_UNSENT_BYTES = 1024 * 1024;

/** File regions below this many bytes are read and written with their header in one writev. */
const SENDFILE_MIN_BYTES = Number(process.env.SAMSA_SENDFILE_MIN ?? 16 * 1024);
/** A file region read for the plain path is read and written this much at a time. */
const COPY_CHUNK_BYTES = 256 * 1024;
/**
 * A connection whose queued response makes no progress for this long is closed, as Kafka closes
 * a connection idle for connections.max.idle.ms (the broker passes that): a client that stopped
 * reading must not hold its responses, and the files they were read from, for ever.
 */
export const SEND_STALL_MS = 600_000;
const EMPTY = Buffer.alloc(0);

interface Slot {
  size: number;
  done: boolean;
  parts: Part[] | null;
  /** With an observer: the API key and the times (performance.now) the request moved through. */
  apiKey: number;
  readAt: number;
  startAt: number;
  localEndAt: number;
  doneAt: number;
}

/**
 * One client connection: frames in, responses out strictly in request order, whatever order the
 * handlers finish in. A malformed frame or request closes the connection.
 *
 * The accepted socket arrives paused. With the native addon, its fd is duplicated into a socket
 * that reads into memory the FrameReader chooses (`onread`), and the accepted one is closed: a
 * large request then lands in its final buffer straight from the kernel. Without the addon (or
 * with SAMSA_DIRECT_READ=0) the socket's own chunks are copied into the same buffers.
 */
export class Connection implements ConnectionInfo, SpareHolder {
  readonly remote: string;
  readonly readsInPlace: boolean;
  lastActive: number;
  private readonly clock: Clock;
  private readonly frames: FrameReader;
  private readonly socket: Socket;
  private readonly pending: Slot[] = [];
  private inflightBytes = 0;
  private paused = false;
  private closed = false;
  /** Frames read but not yet handled: they wait while too much is unanswered or unsent. */
  private backlog: Buffer[] = [];
  /** When each backlog frame was read (kept only with an observer). */
  private backlogTimes: number[] = [];
  private backlogHead = 0;
  private pumping = false;
  /** Bytes claimed from `memory` for frames being read or not yet answered. */
  private claimed = 0;
  private readonly maxUnsent: number;
  /** Response parts not yet handed to the socket (held back while a sendfile owns it or the socket is full). */
  private out: Part[] = [];
  private outHead = 0;
  /** Bytes of `out` from `outHead` on. */
  private queuedBytes = 0;
  /** When queued response bytes last went out (or started waiting). */
  private lastSendProgress: number;
  private unsentAtCheck = 0;
  /** A sendfile (or the wait for libuv to flush before one) owns the socket. */
  private sending = false;
  /** A sendfile continues on the thread pool (it holds its own copies of the fds). */
  private inSendfile = false;
  private sendfileSince = 0;
  private destroyAfterSend = false;
  /** A bad frame arrived: nothing more is read, and the connection closes once earlier requests are answered. */
  private failing = false;
  private readonly native: SendfileAddon | null;
  private readonly fd: number;
  /** Quota throttling: no request is read or handled before this time. */
  private mutedUntil = 0;
  private muteTimer: { cancel(): void } | null = null;

  constructor(
    readonly id: number,
    accepted: Socket,
    private readonly dispatch: Dispatch,
    private readonly limits: ConnectionLimits,
    private readonly memory: RequestMemory,
    private readonly log: Logger,
    private readonly onClose: (c: Connection) => void,
    readonly session: Session,
  ) {
    this.clock = limits.clock ?? systemClock;
    this.lastActive = this.lastSendProgress = this.clock.now();
    this.remote = `${accepted.remoteAddress}:${accepted.remotePort}`;
    this.frames = new FrameReader(limits.maxFrameBytes, this.budget);
    const socket = (this.socket = this.readDirectly(accepted) ?? accepted);
    // At least the high-water mark: above it a 'drain' is sure to come and resume the flow.
    this.maxUnsent = Math.max(limits.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES, socket.writableHighWaterMark);
    this.readsInPlace = socket !== accepted;
    socket.setNoDelay(true);
    // Zero-copy fetch needs the raw fd of a plain TCP socket (TLS connections take the plain path).
    const fd = rawFd(socket);
    this.native = fd >= 0 && !(socket as { encrypted?: boolean }).encrypted ? sendfileAddon() : null;
    this.fd = this.native ? fd : -1;
    if (socket === accepted) {
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.resume();
    }
    socket.on('drain', () => {
      this.lastSendProgress = this.clock.now();
      this.flush();
      this.pump();
      this.updateFlow();
    });
    socket.on('error', (err) => this.log.debug({ conn: this.id, err: err.message }, 'socket error'));
    socket.on('close', () => {
      this.closed = true;
      this.muteTimer?.cancel();
      this.releaseUnsent();
      this.releaseMemory();
      this.onClose(this);
    });
  }

  get idle(): boolean {
    return this.pending.length === 0 && this.backlogHead === this.backlog.length;
  }

  /**
   * A response has waited sendStallMs with nothing of it going out: the client is not reading.
   * Called about once a second.
   */
  sendStalled(now: number): boolean {
    const stallMs = this.limits.sendStallMs ?? SEND_STALL_MS;
    // A pending sendfile reports nothing until it is done: it has the same time to finish.
    if (this.inSendfile) return now - this.sendfileSince > stallMs;
    const u = this.unsent;
    if (u === 0) {
      this.unsentAtCheck = u;
      this.lastSendProgress = now;
      return false;
    }
    if (u < this.unsentAtCheck) this.lastSendProgress = now;
    this.unsentAtCheck = u;
    return now - this.lastSendProgress > stallMs;
  }

  /** Response bytes queued or in the socket's buffer, not yet taken by the kernel. */
  private get unsent(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  private readonly budget: FrameBudget = {
    claim: (size) => {
      if (this.closed || !this.memory.tryClaim(size)) return false;
      this.claimed += size;
      return true;
    },
    claimSpare: (bytes) => !this.closed && this.memory.tryHoldSpare(this, bytes),
    releaseSpare: (bytes) => this.memory.releaseSpare(this, bytes),
  };

  dropSpare(): void {
    this.frames.dropSpare();
  }

  private readonly onMemory = (): void => {
    if (this.closed) return;
    this.handleAll(this.frames.resume());
  };

  private release(n: number): void {
    this.claimed -= n;
    this.memory.release(n);
  }

  /** Gives back everything this connection holds in the broker-wide budget (it is closing). */
  private releaseMemory(): void {
    this.memory.cancelWait(this.onMemory);
    this.frames.dropSpare();
    if (this.claimed > 0) this.release(this.claimed);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  whenClosed(listener: () => void): void {
    if (this.closed) queueMicrotask(listener);
    else this.socket.once('close', listener);
  }

  /** A socket on a duplicate of the accepted fd that reads where the FrameReader says, or null. */
  private readDirectly(accepted: Socket): Socket | null {
    const addon = directReadAddon();
    const fd = rawFd(accepted);
    if (!addon || fd < 0 || (accepted as { encrypted?: boolean }).encrypted) return null;
    let dup: number;
    try {
      dup = addon.dup(fd);
    } catch (err) {
      this.log.debug({ conn: this.id, err: (err as Error).message }, 'dup failed; reading chunks');
      return null;
    }
    const onread: OnReadOpts = {
      buffer: () => this.frames.target(),
      callback: (n) => {
        this.onRead(n);
        return true;
      },
    };
    let socket: Socket;
    try {
      // Node reads `onread` here as it does for net.connect; @types/node lists it only there.
      socket = new Socket({ fd: dup, readable: true, writable: true, onread } as SocketConstructorOpts);
    } catch (err) {
      closeSync(dup);
      this.log.debug({ conn: this.id, err: (err as Error).message }, 'wrapping the duplicate fd failed; reading chunks');
      return null;
    }
    // The duplicate holds the TCP connection open: closing the accepted fd sends nothing.
    accepted.destroy();
    return socket;
  }

  private onRead(n: number): void {
    this.lastActive = this.clock.now();
    this.handleAll(this.frames.filled(n));
  }

  private onData(chunk: Buffer): void {
    this.lastActive = this.clock.now();
    this.handleAll(this.frames.push(chunk));
  }

  private handleAll(frames: Buffer[]): void {
    // Before handling: memory the handlers release from here on must wake this connection.
    if (this.frames.waiting) this.memory.waitForRelease(this.onMemory);
    for (const frame of frames) this.backlog.push(frame);
    if (this.limits.observer && frames.length > 0) {
      const now = performance.now();
      for (let i = 0; i < frames.length; i++) this.backlogTimes.push(now);
    }
    this.pump();
    if (this.closed) return;
    if (this.frames.error) {
      this.failAfterAnswers(this.frames.error);
      return;
    }
    this.updateFlow();
  }

  /** Handles frames read so far, in order, while the connection is within its limits. */
  private pump(): void {
    // Handlers that answer synchronously come back here through complete(): this loop carries on.
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.backlogHead < this.backlog.length && !this.closed) {
        if (this.pending.length >= this.limits.maxInflightRequests || this.unsent > this.maxUnsent || this.muted) return;
        const frame = this.backlog[this.backlogHead]!;
        const readAt = this.backlogTimes[this.backlogHead] ?? 0;
        this.backlogHead++;
        this.handle(frame, readAt);
      }
      if (this.backlogHead === this.backlog.length) {
        this.backlog = [];
        this.backlogTimes = [];
        this.backlogHead = 0;
      }
    } finally {
      this.pumping = false;
    }
  }

  private get muted(): boolean {
    return this.mutedUntil > 0 && this.clock.now() < this.mutedUntil;
  }

  muteFor(ms: number): void {
    if (ms <= 0 || this.closed) return;
    const until = this.clock.now() + ms;
    if (until <= this.mutedUntil) return;
    this.mutedUntil = until;
    this.muteTimer?.cancel();
    this.muteTimer = this.clock.schedule(ms, () => {
      this.muteTimer = null;
      this.mutedUntil = 0;
      if (this.closed) return;
      this.pump();
      this.updateFlow();
    });
    this.updateFlow();
  }

  /**
   * Answers what was received so far, then ends the connection gracefully (the last response,
   * a failed authentication's, must reach the client before the close).
   */
  private endAfterAnswers(): void {
    if (this.closed || this.failing) return;
    this.failing = true;
    this.socket.pause();
    void this.drain(5000).then(() => {
      if (this.closed) return;
      const end = (): void => {
        this.socket.end();
        const t = setTimeout(() => this.close(), 1000);
        t.unref();
      };
      if (this.sending || this.outHead < this.out.length) this.socket.once('drain', end);
      else end();
    });
  }

  /** Closes once every request before the bad frame is answered (bounded by the drain wait). */
  private failAfterAnswers(err: Error): void {
    if (this.closed || this.failing) return;
    this.failing = true;
    this.socket.pause();
    void this.drain(5000).then(() => this.fail(err));
  }

  private handle(frame: Buffer, readAt: number): void {
    const timed = this.limits.observer !== undefined;
    const startAt = timed ? performance.now() : 0;
    const slot: Slot = { size: frame.length, done: false, parts: null, apiKey: timed && frame.length >= 2 ? frame.readInt16BE(0) : -1, readAt, startAt, localEndAt: 0, doneAt: 0 };
    this.pending.push(slot);
    this.inflightBytes += frame.length;
    let result: Part[] | null | Promise<Part[] | null>;
    try {
      result = this.dispatch(frame, this);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (timed) slot.localEndAt = slot.doneAt = performance.now();
    if (this.session.closeAfterResponse) {
      // Nothing after this request is handled; the connection ends once it is answered.
      this.backlogHead = this.backlog.length;
      queueMicrotask(() => this.endAfterAnswers());
    }
    if (result instanceof Promise) {
      result.then(
        (parts) => {
          if (timed) slot.doneAt = performance.now();
          this.complete(slot, parts);
        },
        (err: unknown) => this.fail(err),
      );
    } else {
      // Handled synchronously, and handlers copy whatever they keep (see Handler): unless the
      // response points into the request, the frame's memory can take the next large frame. After
      // complete(), which gives back the frame's claim, so that the spare's claim can fit.
      const reusable = result === null || result.every((p) => !Buffer.isBuffer(p) || p.buffer !== frame.buffer);
      this.complete(slot, result);
      if (reusable) this.frames.recycle(frame);
    }
  }

  private complete(slot: Slot, parts: Part[] | null): void {
    slot.done = true;
    slot.parts = parts;
    if (this.closed) {
      releaseParts(parts, 0);
      slot.parts = null;
      return;
    }
    // The handler is done with the request's memory (a response pointing into it is counted as unsent).
    if (claimsMemory(slot.size)) this.release(slot.size);
    let any = false;
    const observer = this.limits.observer;
    const now = observer ? performance.now() : 0;
    while (this.pending.length > 0 && this.pending[0]!.done) {
      const s = this.pending.shift()!;
      this.inflightBytes -= s.size;
      if (observer && s.apiKey >= 0) observer.requestDone(s.apiKey, (s.startAt - s.readAt) / 1000, (s.localEndAt - s.startAt) / 1000, (s.doneAt - s.localEndAt) / 1000, (now - s.doneAt) / 1000);
      if (s.parts) {
        for (const p of s.parts) {
          this.out.push(p);
          this.queuedBytes += p.length;
        }
        any = true;
      }
    }
    if (any) this.flush();
    this.lastActive = this.clock.now();
    this.pump();
    this.updateFlow();
  }

  /**
   * Hands queued parts to the socket in order: buffers (and small file regions, read) in one corked
   * writev; large file regions by sendfile once libuv has nothing queued for the socket. Stops
   * while the socket holds maxUnsentBytes it could not pass on ('drain' resumes).
   */
  private flush(): void {
    if (this.sending || this.closed) return;
    const out = this.out;
    let corked = false;
    while (this.outHead < out.length) {
      if (this.socket.writableNeedDrain && this.socket.writableLength >= this.maxUnsent) break;
      const p = out[this.outHead]!;
      if (Buffer.isBuffer(p)) {
        if (!corked) this.socket.cork();
        corked = true;
        this.socket.write(p);
        this.outHead++;
        this.queuedBytes -= p.length;
        continue;
      }
      if (this.native === null || p.length < SENDFILE_MIN_BYTES) {
        if (!corked) this.socket.cork();
        corked = true;
        // A large region goes a piece at a time, so the copies stay within the bound above.
        const n = Math.min(p.length, COPY_CHUNK_BYTES);
        const piece = readRegion({ fd: p.fd, position: p.position, length: n });
        this.socket.write(piece);
        this.queuedBytes -= n;
        if (n === p.length) {
          this.outHead++;
          p.release?.();
        } else {
          // The rest keeps the file held: releasing it releases the range it came from.
          const release = p.release?.bind(p);
          out[this.outHead] = { fd: p.fd, position: p.position + n, length: p.length - n, ...(release ? { release } : {}) };
        }
        continue;
      }
      if (corked) {
        this.socket.uncork();
        corked = false;
      }
      if (this.socket.writableLength > 0) {
        // libuv still holds earlier bytes: sendfile would overtake them. Resume once they are out.
        this.sending = true;
        this.socket.write(EMPTY, () => {
          this.sending = false;
          this.lastSendProgress = this.clock.now();
          this.flush();
          this.pump();
          this.updateFlow();
        });
        return;
      }
      // Consecutive large regions go in one call.
      const flat: number[] = [];
      const sent: FileRegion[] = [];
      while (this.outHead < out.length) {
        const r = out[this.outHead]!;
        if (Buffer.isBuffer(r) || r.length < SENDFILE_MIN_BYTES) break;
        flat.push(r.fd, r.position, r.length);
        sent.push(r);
        this.outHead++;
        this.queuedBytes -= r.length;
      }
      const rc = this.native.sendfile(this.fd, flat, (errno) => this.afterSendfile(errno));
      // What the call did not send at once it continues on its own duplicates of the fds.
      for (const r of sent) r.release?.();
      if (rc === -1) {
        this.sending = true;
        this.inSendfile = true;
        this.sendfileSince = this.clock.now();
        return;
      }
      if (rc !== 0) {
        this.fail(new Error(`sendfile failed (errno ${rc})`));
        return;
      }
    }
    if (corked) this.socket.uncork();
    if (this.outHead === out.length) {
      this.out = [];
      this.outHead = 0;
    } else if (this.outHead > 1024 && this.outHead * 2 > out.length) {
      this.out = out.slice(this.outHead);
      this.outHead = 0;
    }
  }

  private afterSendfile(errno: number): void {
    this.sending = false;
    this.inSendfile = false;
    this.lastSendProgress = this.clock.now();
    if (this.destroyAfterSend) {
      this.socket.destroy();
      return;
    }
    if (this.closed) return;
    if (errno !== 0) {
      this.fail(new Error(`sendfile failed (errno ${errno})`));
      return;
    }
    this.flush();
    this.pump();
    this.updateFlow();
  }

  /**
   * Pauses reading while too much is unanswered or unsent, the socket's send buffer is full, frames
   * already read wait to be handled, or the next frame waits for memory.
   */
  private updateFlow(): void {
    if (this.closed || this.failing) return;
    const over =
      this.frames.waiting ||
      this.backlogHead < this.backlog.length ||
      this.inflightBytes > this.limits.maxInflightBytes ||
      this.pending.length >= this.limits.maxInflightRequests ||
      this.unsent > this.maxUnsent ||
      this.socket.writableNeedDrain ||
      this.sending ||
      this.muted;
    if (over && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!over && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** The files of responses that will never be sent are let go. */
  private releaseUnsent(): void {
    releaseParts(this.out, this.outHead);
    this.out = [];
    this.outHead = 0;
    for (const slot of this.pending) {
      releaseParts(slot.parts, 0);
      slot.parts = null;
    }
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.log.info({ conn: this.id, remote: this.remote, err: err instanceof Error ? err.message : String(err) }, 'closing connection after a bad request');
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.releaseMemory();
    if (this.inSendfile && this.native) {
      // The pending sendfile holds its own copy of the fd: end it, then destroy.
      this.native.shutdown(this.fd);
      this.destroyAfterSend = true;
      return;
    }
    this.socket.destroy();
  }

  /** Waits (bounded) until every request received so far is answered. */
  async drain(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.idle && !this.closed && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function releaseParts(parts: readonly Part[] | null, from: number): void {
  if (!parts) return;
  for (let i = from; i < parts.length; i++) {
    const p = parts[i]!;
    if (!Buffer.isBuffer(p)) p.release?.();
  }
}

function rawFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}

/** Plain read-and-write path for a file region (no addon, TLS, or a region too small to bother). */
function readRegion(p: FileRegion): Buffer {
  const buf = Buffer.allocUnsafe(p.length);
  let got = 0;
  while (got < p.length) {
    const n = readSync(p.fd, buf, got, p.length - got, p.position + got);
    if (n === 0) break;
    got += n;
  }
  return got === p.length ? buf : buf.subarray(0, got);
}
