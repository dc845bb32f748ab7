import type { FileSystem } from './fs.js';
import { readWholeFile, writeFileAtomic } from './fs.js';

/**
 * Kafka's checkpoint text format: a version line (0), a count line, then one entry per line with
 * space-separated fields. Used for recovery-point-offset-checkpoint, log-start-offset-checkpoint
 * (entries "topic partition offset") and leader-epoch-checkpoint (entries "epoch offset").
 */
export function readCheckpoint(fs: FileSystem, file: string): string[][] | null {
  const buf = readWholeFile(fs, file);
  if (buf === null) return null;
  const lines = buf.toString('utf8').split('\n');
  if (lines[0]?.trim() !== '0') throw new Error(`${file}: unsupported checkpoint version ${lines[0]}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0) throw new Error(`${file}: bad entry count ${lines[1]}`);
  const entries: string[][] = [];
  for (let i = 0; i < count; i++) {
    const line = lines[2 + i];
    if (line === undefined) throw new Error(`${file}: expected ${count} entries, found ${i}`);
    entries.push(line.trim().split(/\s+/));
  }
  return entries;
}

export function writeCheckpoint(fs: FileSystem, file: string, entries: Array<Array<string | number>>): void {
  const text = ['0', String(entries.length), ...entries.map((e) => e.join(' '))].join('\n') + '\n';
  writeFileAtomic(fs, file, Buffer.from(text, 'utf8'));
}

export type TopicPartitionOffsets = Map<string, number>;

/** Key "topic-partition", the log directory name. */
export function readOffsetCheckpoint(fs: FileSystem, file: string): TopicPartitionOffsets {
  const out: TopicPartitionOffsets = new Map();
  let entries: string[][] | null;
  try {
    entries = readCheckpoint(fs, file);
  } catch {
    // A corrupt checkpoint only costs a longer recovery: treat it as absent.
    return out;
  }
  for (const e of entries ?? []) {
    const [topic, partition, offset] = e;
    if (topic === undefined || partition === undefined || offset === undefined) continue;
    out.set(`${topic}-${partition}`, Number(offset));
  }
  return out;
}

export function writeOffsetCheckpoint(
  fs: FileSystem,
  file: string,
  entries: Iterable<{ topic: string; partition: number; offset: number }>,
): void {
  writeCheckpoint(fs, file, [...entries].map((e) => [e.topic, e.partition, e.offset]));
}
