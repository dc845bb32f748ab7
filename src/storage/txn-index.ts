/**
 * One segment's aborted-transaction index (Kafka's TransactionIndex, `<base offset>.txnindex`):
 * for every transaction aborted by a marker in the segment, the producer id, the transaction's
 * first offset, the marker's offset and the last stable offset right after the abort. Each entry
 * is 34 bytes: version (int16, 0), producerId, firstOffset, lastOffset, lastStableOffset (int64).
 * A read_committed fetch collects the entries overlapping what it returns, so the consumer can
 * drop the aborted records. The file is created with its first entry; aborts are rare enough that
 * it is opened for each write instead of holding a descriptor.
 */
import { readInt64, writeInt64 } from '../record/batch-header.js';
import { readFully, writeFully, type FileSystem } from './fs.js';

export const TXN_INDEX_SUFFIX = '.txnindex';
export const ABORTED_TXN_ENTRY_BYTES = 34;
const VERSION = 0;

export interface AbortedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  /** The abort marker's offset. */
  readonly lastOffset: number;
  readonly lastStableOffset: number;
}

export function encodeAbortedTxn(e: AbortedTxn, buf: Buffer = Buffer.alloc(ABORTED_TXN_ENTRY_BYTES), at = 0): Buffer {
  buf.writeInt16BE(VERSION, at);
  writeInt64(buf, at + 2, e.producerId);
  writeInt64(buf, at + 10, e.firstOffset);
  writeInt64(buf, at + 18, e.lastOffset);
  writeInt64(buf, at + 26, e.lastStableOffset);
  return buf;
}

export class TxnIndex {
  private entries: AbortedTxn[] = [];

  constructor(
    private readonly fs: FileSystem,
    public path: string,
  ) {
    if (!fs.exists(path)) return;
    const fd = fs.open(path, false);
    try {
      const size = fs.size(fd);
      const buf = Buffer.alloc(size);
      const n = readFully(fs, fd, buf, 0, size, 0);
      // A torn last entry (a crash during its write) is dropped; the load of the producer state
      // writes it again from the log.
      const whole = n - (n % ABORTED_TXN_ENTRY_BYTES);
      for (let at = 0; at < whole; at += ABORTED_TXN_ENTRY_BYTES) {
        if (buf.readInt16BE(at) !== VERSION) break;
        this.entries.push({ producerId: readInt64(buf, at + 2), firstOffset: readInt64(buf, at + 10), lastOffset: readInt64(buf, at + 18), lastStableOffset: readInt64(buf, at + 26) });
      }
      if (whole !== size || this.entries.length * ABORTED_TXN_ENTRY_BYTES !== whole) fs.truncate(fd, this.entries.length * ABORTED_TXN_ENTRY_BYTES);
    } finally {
      fs.close(fd);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  all(): readonly AbortedTxn[] {
    return this.entries;
  }

  /** Appends an entry; markers come in offset order, so an entry not after the last is refused (Kafka's check). */
  append(e: AbortedTxn): void {
    const last = this.entries[this.entries.length - 1];
    if (last && last.lastOffset >= e.lastOffset) throw new Error(`aborted transaction at offset ${e.lastOffset} is not after the last one at ${last.lastOffset} in ${this.path}`);
    const fd = this.fs.open(this.path, true);
    try {
      writeFully(this.fs, fd, encodeAbortedTxn(e), this.entries.length * ABORTED_TXN_ENTRY_BYTES);
    } finally {
      this.fs.close(fd);
    }
    this.entries.push(e);
  }

  /** Drops the entries whose marker is at or after `offset` (log truncation, rebuilding from the log). */
  truncateTo(offset: number): void {
    let keep = this.entries.length;
    while (keep > 0 && this.entries[keep - 1]!.lastOffset >= offset) keep--;
    if (keep === this.entries.length) return;
    this.entries.length = keep;
    if (!this.fs.exists(this.path)) return;
    const fd = this.fs.open(this.path, false);
    try {
      this.fs.truncate(fd, keep * ABORTED_TXN_ENTRY_BYTES);
    } finally {
      this.fs.close(fd);
    }
  }

  /**
   * Kafka's collectAbortedTxns: the entries whose transaction overlaps [fetchOffset, upperBound).
   * Returns true when the search can stop here: an entry's last stable offset reached past the
   * bound, so no later segment can hold a transaction that began below it.
   */
  collect(fetchOffset: number, upperBound: number, out: AbortedTxn[]): boolean {
    for (const e of this.entries) {
      if (e.lastOffset >= fetchOffset && e.firstOffset < upperBound) out.push(e);
      if (e.lastStableOffset >= upperBound) return true;
    }
    return false;
  }

  sync(): void {
    if (this.entries.length === 0 || !this.fs.exists(this.path)) return;
    const fd = this.fs.open(this.path, false);
    try {
      this.fs.fsync(fd);
    } finally {
      this.fs.close(fd);
    }
  }

  renameTo(to: string): void {
    if (this.fs.exists(this.path)) this.fs.rename(this.path, to);
    this.path = to;
  }

  delete(): void {
    try {
      if (this.fs.exists(this.path)) this.fs.unlink(this.path);
    } catch {
      // already gone
    }
  }
}
