// DescribeLogDirs: v0-4. Behaviour: the one data directory with the size of every hosted
// partition (all, or those asked for), offset lag 0 (no future replicas), and its total and
// usable bytes (v4).
import { statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeLogDirs } from '../../protocol/messages/index.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';

export const describeLogDirsHandler = defineHandler(DescribeLogDirs, { min: 0, max: 4 }, (ctx, req) => {
  // DESCRIBE on the cluster; v3+ answers the refusal at the top, older versions with no dirs.
  if (!allowedCluster(ctx, AclOp.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
  const wanted = req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
  const topics = [...ctx.metadata.image.topics()]
    .filter((t) => wanted === null || wanted.has(t.name))
    .map((t) => ({
      name: t.name,
      partitions: t.partitions
        .map((_, i) => i)
        .filter((i) => wanted === null || wanted.get(t.name)!.has(i))
        .flatMap((i) => {
          const p = ctx.partitions.partition(t.name, i);
          return p ? [{ partitionIndex: i, partitionSize: p.size, offsetLag: 0, isFutureKey: false }] : [];
        }),
    }))
    .filter((t) => t.partitions.length > 0 || wanted !== null);
  let totalBytes = -1;
  let usableBytes = -1;
  try {
    const s = statfsSync(ctx.metadata.dataDir);
    totalBytes = s.blocks * s.bsize;
    usableBytes = s.bavail * s.bsize;
  } catch {
    // unknown: -1
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    results: [{ errorCode: ErrorCode.NONE, logDir: resolve(ctx.metadata.dataDir), topics, totalBytes, usableBytes }],
  };
});
