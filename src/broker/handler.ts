import type { Controller } from '../cluster/controller.js';
import type { BrokerInfo, MetadataImage } from '../cluster/metadata-image.js';
import type { BrokerMetadata } from '../cluster/zk-mode/broker-metadata.js';
import type { KafkaController } from '../cluster/zk-mode/kafka-controller.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { GroupCoordinator } from '../group/coordinator.js';
import type { TopicPartitions, TransactionCoordinator } from '../txn/transaction-coordinator.js';
import type { RequestHeader } from '../protocol/header.js';
import type { ApiSpec, RequestOf, ResponseOf } from '../protocol/schema.js';
import type { MetricsPort } from '../metrics/broker-metrics.js';
import type { Clock } from '../util/clock.js';
import type { SecurityStore } from '../cluster/security-store.js';
import type { Requester } from '../server/security/authorizer.js';
import type { ClientQuotaManager } from '../server/security/quotas.js';
import type { Session } from '../server/security/session.js';
import type { ClosableConnection, DelayedOperations } from './delayed-operations.js';
import type { Partition } from './partition.js';

/** The connection a request came on, as handlers see it. */
export interface ClientConnection extends ClosableConnection {
  readonly id: number;
  /** host:port of the client. */
  readonly remote: string;
  /** The listener, the principal and the SASL state of the connection. */
  readonly session: Session;
  /** Mutes the connection for a client over its quota (KIP-219). */
  muteFor(ms: number): void;
}

/** ACLs, SCRAM credentials and quotas: what the security requests read and change. */
export interface SecurityPort {
  /** An authorizer is configured (authorizer.class.name); without one every request is allowed and the ACL APIs answer SECURITY_DISABLED. */
  readonly aclsEnabled: boolean;
  authorize(who: Requester, operation: number, resourceType: number, name: string): boolean;
  authorizeByResourceType(who: Requester, operation: number, resourceType: number): boolean;
  readonly store: SecurityStore;
  readonly quotas: ClientQuotaManager;
}

/** The partitions this broker hosts. */
export interface PartitionsPort {
  partition(topic: string, index: number): Partition | undefined;
  allPartitions(): Iterable<Partition>;
  /** Runs `fn`; the log start offsets it moves are checkpointed once, before this returns (false: that write failed). */
  batchLogStartCheckpoints<T>(fn: () => T): { result: T; checkpointed: boolean };
  /** Leaderships this broker has taken since it started; followers' waiting fetches end when it grows. */
  readonly leadershipsTaken: number;
}

/** The cluster as this broker last saw it, and this broker in it. */
export interface MetadataPort {
  readonly image: MetadataImage;
  readonly nodeId: number;
  /** This broker's advertised address. */
  readonly self: BrokerInfo;
  readonly dataDir: string;
  /** The listener other brokers and the controller address this broker by. */
  readonly listenerName: string;
}

/** The group coordinator and its storage, __consumer_offsets (created on first use). */
export interface GroupsPort {
  readonly coordinator: GroupCoordinator;
  /** Resolves once __consumer_offsets exists; group requests that write wait for it. */
  ensureStorage(): Promise<void>;
}

/** The transaction coordinator and its storage, __transaction_state (created on first use). */
export interface TransactionsPort {
  readonly coordinator: TransactionCoordinator;
  /** Resolves once __transaction_state exists. */
  ensureStorage(): Promise<void>;
  /**
   * KIP-890 part 1 for an id another broker coordinates: that broker's per-partition answers to
   * AddPartitionsToTxn verify_only (keys `topic\u0000partition`). Null when this broker
   * coordinates the id (the local coordinator answers) or on a single node.
   */
  verifyElsewhere(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartitions[]): Promise<ReadonlyMap<string, number>> | null;
}

/** Producer ids for idempotent producers (InitProducerId); each is handed out once, ever. */
export interface ProducerIdsPort {
  /** Rejects when no id can be reserved right now (the metadata could not be written). */
  generateProducerId(): Promise<number>;
}

/** What a handler may reach: narrow ports, never the whole broker. */
export interface RequestContext {
  readonly header: RequestHeader;
  readonly conn: ClientConnection;
  readonly config: BrokerConfig;
  readonly metadata: MetadataPort;
  readonly partitions: PartitionsPort;
  readonly admin: Controller;
  /** Cluster mode: the metadata the controller's requests update. Null on a single node, which has no controller. */
  readonly cluster: BrokerMetadata | null;
  /** Cluster mode: this broker's controller (acting when elected), for the requests only a controller serves. */
  readonly controller: Pick<KafkaController, 'alterPartition' | 'topicNameById' | 'controlledShutdown' | 'electLeaders' | 'reassignments'> | null;
  readonly groups: GroupsPort;
  readonly txn: TransactionsPort;
  readonly producerIds: ProducerIdsPort;
  readonly delayed: DelayedOperations;
  readonly clock: Clock;
  /** Traffic and error counters (/metrics). */
  readonly metrics: MetricsPort;
  readonly security: SecurityPort;
  /** The version ranges this broker serves (ApiVersions). */
  apiVersions(): Array<{ apiKey: number; minVersion: number; maxVersion: number }>;
}

/** A response, nothing (acks=0), or either later. */
export type HandlerResult<A extends ApiSpec> = ResponseOf<A> | null | Promise<ResponseOf<A> | null>;

/**
 * One API's request handler and the versions it serves; ApiVersions is built from these.
 * Buffers in a decoded request are views of the request frame, whose memory is reused once a
 * synchronous handler returns: a handler copies (Buffer.from) any bytes it keeps beyond that.
 */
export interface Handler {
  readonly api: ApiSpec;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(ctx: RequestContext, request: unknown): unknown;
  /** The answer to a request whose handling threw: Kafka's per-API error response. */
  errorResponse?(ctx: RequestContext, request: unknown, errorCode: number): unknown;
}

export function defineHandler<A extends ApiSpec>(
  api: A,
  versions: { min: number; max: number },
  handle: (ctx: RequestContext, request: RequestOf<A>) => HandlerResult<A>,
  errorResponse?: (ctx: RequestContext, request: RequestOf<A>, errorCode: number) => ResponseOf<A>,
): Handler {
  return {
    api,
    minVersion: versions.min,
    maxVersion: versions.max,
    handle: (ctx, request) => handle(ctx, request as RequestOf<A>),
    ...(errorResponse ? { errorResponse: (ctx: RequestContext, request: unknown, code: number) => errorResponse(ctx, request as RequestOf<A>, code) } : {}),
  };
}
