/**
 * An open file shared by its segment and by every file range read from it. The descriptor is
 * closed when the last holder lets go, not when the segment closes: a fetch response queued on a
 * slow connection keeps reading the bytes it was given even after its segment was deleted, and
 * a descriptor number can never be reused under it by another file.
 */
export class SharedFile {
  private holders = 1;

  constructor(
    readonly fd: number,
    private readonly closeFd: (fd: number) => void,
  ) {}

  get open(): boolean {
    return this.holders > 0;
  }

  retain(): void {
    if (this.holders <= 0) throw new Error(`file descriptor ${this.fd} is already closed`);
    this.holders++;
  }

  release(): void {
    if (this.holders <= 0) return;
    if (--this.holders === 0) this.closeFd(this.fd);
  }
}

/**
 * Whole batches of a segment file, holding the file open until `release()`: whoever takes a range
 * from a read (the network layer sending it, a copy into memory) releases it exactly once.
 */
export class FileRange {
  private released = false;

  constructor(
    private readonly file: SharedFile,
    readonly path: string,
    readonly position: number,
    readonly length: number,
  ) {
    file.retain();
  }

  get fd(): number {
    return this.file.fd;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.file.release();
  }
}
