/**
 * KIP-951: a Produce or Fetch answered NOT_LEADER_OR_FOLLOWER names the partition's current
 * leader and epoch, and the response carries that leader's address, so the client moves to it
 * without a metadata round trip. Fields the request's version lacks are not encoded.
 */
import type { MetadataImage } from '../cluster/metadata-image.js';

export interface NodeEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export class LeaderHints {
  private readonly endpoints = new Map<number, NodeEndpoint>();

  constructor(private readonly image: MetadataImage) {}

  /** The current leader of topic/partition as the image knows it (-1, -1 when none). */
  leaderOf(topic: string, partition: number): { leaderId: number; leaderEpoch: number } {
    const s = this.image.topic(topic)?.partitions[partition];
    if (!s || s.leader < 0) return { leaderId: -1, leaderEpoch: -1 };
    const b = this.image.broker(s.leader);
    if (b) this.endpoints.set(b.id, { nodeId: b.id, host: b.host, port: b.port, rack: b.rack });
    return { leaderId: s.leader, leaderEpoch: s.leaderEpoch };
  }

  /** The addresses of the leaders named so far. */
  nodeEndpoints(): NodeEndpoint[] {
    return [...this.endpoints.values()];
  }
}
