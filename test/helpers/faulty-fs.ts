/**
 * The real file system with injectable write failures by path, for error-boundary tests: writes
 * to files whose path contains a chosen string fail with a chosen errno (EIO, ENOSPC) until the
 * fault is cleared, as a failing disk or a full one would.
 */
import { RealFileSystem } from '../../src/storage/fs.js';

export class FaultyFileSystem extends RealFileSystem {
  private readonly paths = new Map<number, string>();
  private fault: { match: string; code: string } | null = null;
  failures = 0;

  failWrites(match: string, code: 'EIO' | 'ENOSPC'): void {
    this.fault = { match, code };
  }
  clear(): void {
    this.fault = null;
  }

  override open(file: string, create: boolean): number {
    const fd = super.open(file, create);
    this.paths.set(fd, file);
    return fd;
  }
  override close(fd: number): void {
    this.paths.delete(fd);
    super.close(fd);
  }
  override write(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
    const f = this.fault;
    if (f && (this.paths.get(fd) ?? '').includes(f.match)) {
      this.failures++;
      throw Object.assign(new Error(`${f.code}: injected write failure`), { code: f.code });
    }
    return super.write(fd, buf, offset, length, position);
  }
}
