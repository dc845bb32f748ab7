// Brings the page cache to the state of a long-running broker's machine before a measured run:
// full, so that the pages a run writes come from reclaiming older cached pages.
//
// These machines are VMs whose memory the host backs lazily and takes back when the guest frees
// it (free page reporting). A page the guest touches for the first time since then costs a host
// fault, which lands inside the kernel's copy into the page cache: the same Samsa produce run
// costs about twice the broker CPU per GB on such pages (2.1 against 0.9 s/GB at 1 KiB records),
// depending only on what ran and was deleted before it. The mock cluster keeps reusing its own
// heap and never meets this. Settling reads fresh pages of a sparse file until the kernel starts
// reclaiming instead of handing out free memory, so those first touches happen outside the runs.
import { closeSync, ftruncateSync, openSync, readFileSync, readSync } from 'node:fs';
import { totalmem } from 'node:os';

const MiB = 2 ** 20;
const STEP = 256 * MiB;
const CHUNK = 4 * MiB;

function memFreeBytes(): number {
  const m = /^MemFree:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export interface Settled {
  readMiB: number;
  ms: number;
  freeMiB: number;
}

export class PageCacheSettler {
  private fd = -1;
  private pos = 0;
  /** Free memory right after the last settling: the kernel's floor, where reclaim begins. */
  private floor = Infinity;
  private readonly chunk = Buffer.allocUnsafe(CHUNK);

  /** `path` becomes a sparse file; the caller removes it with its working directory. */
  constructor(private readonly path: string) {}

  /** Reads fresh pages until free memory stops falling. */
  settle(): Settled {
    const t0 = performance.now();
    if (this.fd < 0) {
      this.fd = openSync(this.path, 'w+');
      ftruncateSync(this.fd, 2 ** 40);
    }
    let read = 0;
    const maxSteps = Math.ceil((2 * totalmem()) / STEP);
    for (let i = 0; i < maxSteps; i++) {
      const before = memFreeBytes();
      for (let k = 0; k < STEP / CHUNK; k++) this.pos += readSync(this.fd, this.chunk, 0, CHUNK, this.pos);
      read += STEP;
      if (before - memFreeBytes() < STEP / 2) break;
    }
    this.floor = memFreeBytes();
    return { readMiB: read / MiB, ms: performance.now() - t0, freeMiB: this.floor / MiB };
  }

  /** Settles again only when memory was freed since (a client exited, a section deleted its data). */
  topUp(): Settled | null {
    return memFreeBytes() > this.floor + STEP ? this.settle() : null;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
