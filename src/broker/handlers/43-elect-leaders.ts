// ElectLeaders: v0-2. Behaviour: on the controller (src/cluster/zk-mode/kafka-controller.ts,
// electLeaders), a preferred election moves leadership to each partition's first replica when it
// is live and in sync; an unclean one gives a leaderless partition any live replica. Needs ALTER
// on the cluster. Other brokers answer NOT_CONTROLLER, a single node too (it has no replicas to
// choose from).
import { ErrorCode } from '../../protocol/errors.js';
import { ElectLeaders } from '../../protocol/messages/index.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';

export const electLeadersHandler = defineHandler(ElectLeaders, { min: 0, max: 2 }, async (ctx, req) => {
  const all = req.topicPartitions === null;
  const asked = (req.topicPartitions ?? []).flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p })));
  const everyone = (errorCode: number) => ({
    throttleTimeMs: 0,
    errorCode,
    replicaElectionResults: groupResults(asked.map((c) => ({ ...c, errorCode, message: null }))),
  });
  if (!allowedCluster(ctx, AclOp.ALTER)) return everyone(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  if (!ctx.controller) return everyone(ErrorCode.NOT_CONTROLLER);
  const type = ctx.header.apiVersion >= 1 ? req.electionType : 0;
  const out = await ctx.controller.electLeaders(type, all ? null : asked);
  if (out.errorCode !== ErrorCode.NONE) return everyone(out.errorCode);
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults: groupResults(out.results) };
});

function groupResults(results: ReadonlyArray<{ topic: string; partition: number; errorCode: number; message: string | null }>) {
  const byTopic = new Map<string, Array<{ partitionId: number; errorCode: number; errorMessage: string | null }>>();
  for (const r of results) {
    let l = byTopic.get(r.topic);
    if (!l) byTopic.set(r.topic, (l = []));
    l.push({ partitionId: r.partition, errorCode: r.errorCode, errorMessage: r.message });
  }
  return [...byTopic].map(([topic, partitionResult]) => ({ topic, partitionResult }));
}
