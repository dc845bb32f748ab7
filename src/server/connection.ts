import { readSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Part } from '../protocol/writer.js';
import type { Logger } from '../util/log.js';
import { FrameAssembler } from './frame-assembler.js';

export interface ConnectionInfo {
  readonly id: number;
  readonly remote: string;
}

/** What the broker does with one request frame: response parts, or null for no response (acks=0). */
export type Dispatch = (frame: Buffer, conn: ConnectionInfo) => Part[] | null | Promise<Part[] | null>;

export interface ConnectionLimits {
  maxFrameBytes: number;
  /** Reading pauses while unanswered request bytes exceed this. */
  maxInflightBytes: number;
  maxInflightRequests: number;
}

interface Slot {
  size: number;
  done: boolean;
  parts: Part[] | null;
}

/**
 * One client connection: frames in, responses out strictly in request order, whatever order the
 * handlers finish in. A malformed frame or request closes the connection.
 */
export class Connection implements ConnectionInfo {
  readonly remote: string;
  lastActive = Date.now();
  private readonly frames: FrameAssembler;
  private readonly pending: Slot[] = [];
  private inflightBytes = 0;
  private paused = false;
  private closed = false;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly dispatch: Dispatch,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
    private readonly onClose: (c: Connection) => void,
  ) {
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.frames = new FrameAssembler(limits.maxFrameBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.updateFlow());
    socket.on('error', (err) => this.log.debug({ conn: this.id, err: err.message }, 'socket error'));
    socket.on('close', () => {
      this.closed = true;
      this.onClose(this);
    });
  }

  get idle(): boolean {
    return this.pending.length === 0;
  }

  private onData(chunk: Buffer): void {
    this.lastActive = Date.now();
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      this.fail(err);
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.handle(frame);
    }
    this.updateFlow();
  }

  private handle(frame: Buffer): void {
    const slot: Slot = { size: frame.length, done: false, parts: null };
    this.pending.push(slot);
    this.inflightBytes += frame.length;
    let result: Part[] | null | Promise<Part[] | null>;
    try {
      result = this.dispatch(frame, this);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (parts) => this.complete(slot, parts),
        (err: unknown) => this.fail(err),
      );
    } else {
      this.complete(slot, result);
    }
  }

  private complete(slot: Slot, parts: Part[] | null): void {
    slot.done = true;
    slot.parts = parts;
    if (this.closed) return;
    let wrote = false;
    while (this.pending.length > 0 && this.pending[0]!.done) {
      const s = this.pending.shift()!;
      this.inflightBytes -= s.size;
      if (s.parts) {
        if (!wrote) this.socket.cork();
        wrote = true;
        this.writeParts(s.parts);
      }
    }
    if (wrote) this.socket.uncork();
    this.lastActive = Date.now();
    this.updateFlow();
  }

  private writeParts(parts: Part[]): void {
    for (const p of parts) {
      if (Buffer.isBuffer(p)) {
        this.socket.write(p);
        continue;
      }
      // Plain read-and-write path for file regions.
      const buf = Buffer.allocUnsafe(p.length);
      let got = 0;
      while (got < p.length) {
        const n = readSync(p.fd, buf, got, p.length - got, p.position + got);
        if (n === 0) break;
        got += n;
      }
      this.socket.write(got === p.length ? buf : buf.subarray(0, got));
    }
  }

  /** Pauses reading while too much is unanswered or the socket's send buffer is full. */
  private updateFlow(): void {
    if (this.closed) return;
    const over =
      this.inflightBytes > this.limits.maxInflightBytes ||
      this.pending.length >= this.limits.maxInflightRequests ||
      this.socket.writableNeedDrain;
    if (over && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!over && this.paused) {
      this.paused = false;
      this.socket.resume();
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
    this.socket.destroy();
  }

  /** Waits (bounded) until every request received so far is answered. */
  async drain(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.pending.length > 0 && !this.closed && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
