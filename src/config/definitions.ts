/**
 * Broker settings with Kafka's names and defaults. A value may be null where Kafka's default is
 * "not set" (then a synonym decides, as log.retention.ms over .minutes over .hours).
 */
export type ConfigType = 'int' | 'long' | 'string' | 'boolean' | 'list' | 'double' | 'password';
export type ConfigValue = number | string | boolean | string[] | null;

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  readonly default: ConfigValue;
  readonly doc: string;
  readonly min?: number;
  readonly oneOf?: readonly string[];
  /** Settings Samsa reads but whose behaviour is not built yet are still accepted. */
  readonly readOnly?: boolean;
  /**
   * Updatable while the broker runs (Kafka's DynamicBrokerConfig): per broker or as the
   * cluster-wide default, with IncrementalAlterConfigs/AlterConfigs on the BROKER resource.
   */
  readonly dynamic?: boolean;
}

const LONG_MAX = 9223372036854775807;

export const BROKER_CONFIGS: readonly ConfigDef[] = [
  { name: 'node.id', type: 'int', default: 0, doc: 'Id of this broker in the cluster', min: 0, readOnly: true },
  { name: 'broker.id', type: 'int', default: null, doc: 'Synonym of node.id', min: 0, readOnly: true },
  { name: 'listeners', type: 'list', default: ['PLAINTEXT://127.0.0.1:9092'], doc: 'Addresses to listen on', readOnly: true },
  { name: 'advertised.listeners', type: 'list', default: null, doc: 'Addresses given to clients (defaults to listeners)', readOnly: true },
  { name: 'log.dirs', type: 'list', default: null, doc: 'Data directories (one is used)', readOnly: true },
  { name: 'log.dir', type: 'string', default: './data', doc: 'Data directory when log.dirs is not set', readOnly: true },
  { name: 'broker.rack', type: 'string', default: null, doc: 'Rack of this broker, for rack-aware replica placement', readOnly: true },
  { name: 'zookeeper.connect', type: 'string', default: null, doc: 'ZooKeeper ensemble host:port[,host:port...][/chroot]: runs the broker as a member of a cluster', readOnly: true },
  { name: 'zookeeper.session.timeout.ms', type: 'int', default: 18000, doc: 'ZooKeeper session timeout: how long a silent broker stays registered', min: 1, readOnly: true },
  { name: 'zookeeper.connection.timeout.ms', type: 'int', default: null, doc: 'How long to wait for the first ZooKeeper session (default: the session timeout)', min: 1, readOnly: true },
  { name: 'controlled.shutdown.enable', type: 'boolean', default: true, doc: 'On SIGTERM in a cluster, ask the controller to move this broker\'s leaderships before stopping', readOnly: true },
  { name: 'controlled.shutdown.max.retries', type: 'int', default: 3, doc: 'Controlled shutdown attempts before stopping regardless', min: 0, readOnly: true },
  { name: 'controlled.shutdown.retry.backoff.ms', type: 'long', default: 5000, doc: 'Wait between controlled shutdown attempts', min: 0, readOnly: true },
  { name: 'auto.leader.rebalance.enable', type: 'boolean', default: true, doc: 'The controller moves leadership back to preferred replicas when brokers are out of balance', readOnly: true },
  { name: 'leader.imbalance.per.broker.percentage', type: 'int', default: 10, doc: 'Share of a broker\'s preferred partitions it may not lead before a rebalance', min: 0, readOnly: true },
  { name: 'leader.imbalance.check.interval.seconds', type: 'long', default: 300, doc: 'How often the controller checks the leader balance', min: 1, readOnly: true },
  { name: 'replica.lag.time.max.ms', type: 'long', default: 30000, doc: 'A follower that has not caught up for this long leaves the ISR', min: 1, readOnly: true },
  { name: 'replica.fetch.wait.max.ms', type: 'int', default: 500, doc: 'Longest wait of a follower fetch for new records', min: 0, readOnly: true },
  { name: 'replica.fetch.min.bytes', type: 'int', default: 1, doc: 'Bytes a follower fetch waits for', min: 1, readOnly: true },
  { name: 'replica.fetch.max.bytes', type: 'int', default: 1048576, doc: 'Bytes a follower fetches per partition per request', min: 0, readOnly: true },
  { name: 'replica.fetch.response.max.bytes', type: 'int', default: 10485760, doc: 'Bytes a follower fetches per request', min: 0, readOnly: true },
  { name: 'replica.socket.timeout.ms', type: 'int', default: 30000, doc: 'How long a follower waits for a leader\'s answer beyond the fetch\'s own wait before it reconnects', min: 1, readOnly: true },
  { name: 'controller.socket.timeout.ms', type: 'int', default: 30000, doc: 'How long the controller waits for a broker\'s answer before it resends on a new connection', min: 1, readOnly: true },
  { name: 'replica.fetch.backoff.ms', type: 'int', default: 1000, doc: 'Wait after a follower fetch failed', min: 0, readOnly: true },
  { name: 'cluster.id', type: 'string', default: null, doc: 'Cluster id (generated on first start when not set)', readOnly: true },
  { name: 'num.partitions', type: 'int', default: 1, doc: 'Partitions of an auto-created topic', min: 1 },
  { name: 'default.replication.factor', type: 'int', default: 1, doc: 'Replication factor of auto-created topics', min: 1 },
  { name: 'auto.create.topics.enable', type: 'boolean', default: true, doc: 'Create unknown topics on metadata requests and produce' },
  { name: 'delete.topic.enable', type: 'boolean', default: true, doc: 'Allow DeleteTopics' },
  { name: 'log.retention.hours', type: 'int', default: 168, doc: 'Retention by time, hours' },
  { name: 'log.retention.minutes', type: 'int', default: null, doc: 'Retention by time, minutes (over hours)' },
  { name: 'log.retention.ms', type: 'long', default: null, doc: 'Retention by time, ms (over minutes); -1 keeps forever', dynamic: true },
  { name: 'log.retention.bytes', type: 'long', default: -1, doc: 'Retention by size per partition; -1 unlimited', dynamic: true },
  { name: 'log.retention.check.interval.ms', type: 'long', default: 300000, doc: 'How often retention runs', min: 1 },
  { name: 'log.segment.bytes', type: 'int', default: 1073741824, doc: 'Segment size before a roll', min: 14, dynamic: true },
  { name: 'log.roll.hours', type: 'int', default: 168, doc: 'Segment age before a roll, hours', min: 1 },
  { name: 'log.roll.ms', type: 'long', default: null, doc: 'Segment age before a roll, ms (over hours)', dynamic: true },
  { name: 'log.index.interval.bytes', type: 'int', default: 4096, doc: 'Bytes between offset index entries', min: 0, dynamic: true },
  { name: 'log.index.size.max.bytes', type: 'int', default: 10485760, doc: 'Index size before a roll', min: 4, dynamic: true },
  { name: 'log.flush.interval.messages', type: 'long', default: LONG_MAX, doc: 'Messages between fsyncs', min: 1, dynamic: true },
  { name: 'log.flush.interval.ms', type: 'long', default: null, doc: 'Time between fsyncs (none by default: the page cache)', dynamic: true },
  { name: 'log.flush.scheduler.interval.ms', type: 'long', default: LONG_MAX, doc: 'How often the flusher checks' },
  { name: 'log.message.timestamp.type', type: 'string', default: 'CreateTime', doc: 'CreateTime or LogAppendTime', oneOf: ['CreateTime', 'LogAppendTime'], dynamic: true },
  { name: 'log.cleanup.policy', type: 'list', default: ['delete'], doc: 'delete, compact or both', dynamic: true },
  { name: 'log.message.downconversion.enable', type: 'boolean', default: true, doc: 'Down-convert record batches to message format v0/v1 for Fetch v0-3 consumers', dynamic: true },
  { name: 'log.cleaner.enable', type: 'boolean', default: true, doc: 'Run the log cleaner for compacted topics' },
  { name: 'log.cleaner.backoff.ms', type: 'long', default: 15000, doc: 'Cleaner sleep when idle', dynamic: true },
  { name: 'log.cleaner.delete.retention.ms', type: 'long', default: 86400000, doc: 'Tombstone retention', dynamic: true },
  { name: 'log.cleaner.min.cleanable.ratio', type: 'double', default: 0.5, doc: 'Dirty ratio before cleaning', dynamic: true },
  { name: 'log.cleaner.min.compaction.lag.ms', type: 'long', default: 0, doc: 'Minimum age before compaction', dynamic: true },
  { name: 'log.cleaner.max.compaction.lag.ms', type: 'long', default: LONG_MAX, doc: 'Maximum age before compaction', dynamic: true },
  { name: 'message.max.bytes', type: 'int', default: 1048588, doc: 'Largest record batch accepted', min: 0, dynamic: true },
  { name: 'socket.request.max.bytes', type: 'int', default: 104857600, doc: 'Largest request frame accepted', min: 1 },
  // Kafka's default is -1 (unbounded: it reads one request per connection at a time); Samsa reads
  // many per connection, so without a bound a few slow senders of large frames exhaust memory.
  { name: 'queued.max.request.bytes', type: 'long', default: 104857600, doc: 'Bytes of requests of 16 KiB or more being read or awaiting an answer, over all connections, before no more are read; -1 unbounded' },
  { name: 'connections.max.idle.ms', type: 'long', default: 600000, doc: 'Idle connections are closed after this' },
  { name: 'compression.type', type: 'string', default: 'producer', doc: 'Codec the broker stores with', oneOf: ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'], dynamic: true },
  { name: 'min.insync.replicas', type: 'int', default: 1, doc: 'Replicas that must acknowledge acks=all', min: 1, dynamic: true },
  { name: 'unclean.leader.election.enable', type: 'boolean', default: false, doc: 'Allow out-of-sync leaders', dynamic: true },
  { name: 'offsets.topic.num.partitions', type: 'int', default: 50, doc: 'Partitions of __consumer_offsets', min: 1, readOnly: true },
  { name: 'offsets.topic.replication.factor', type: 'int', default: 3, doc: 'Replication of __consumer_offsets in a cluster (a single node keeps one copy)', min: 1, readOnly: true },
  { name: 'request.timeout.ms', type: 'int', default: 30000, doc: 'How long the broker\'s own requests to other brokers wait: a transaction\'s markers and their replication, a state write of the transaction coordinator, a KIP-890 verification', min: 1, readOnly: true },
  { name: 'offsets.commit.timeout.ms', type: 'int', default: 5000, doc: 'How long an offset commit waits for the replicas of __consumer_offsets before REQUEST_TIMED_OUT', min: 1, readOnly: true },
  { name: 'offsets.topic.segment.bytes', type: 'int', default: 104857600, doc: 'Segment size of __consumer_offsets', min: 1 },
  { name: 'offsets.retention.minutes', type: 'int', default: 10080, doc: 'Committed offsets of empty groups expire after this', min: 1 },
  { name: 'offset.metadata.max.bytes', type: 'int', default: 4096, doc: 'Largest metadata string of a committed offset', min: 0 },
  { name: 'offsets.retention.check.interval.ms', type: 'long', default: 600000, doc: 'How often offsets expire', min: 1 },
  { name: 'group.initial.rebalance.delay.ms', type: 'int', default: 3000, doc: 'Wait for more members before the first rebalance', min: 0 },
  { name: 'group.min.session.timeout.ms', type: 'int', default: 6000, doc: 'Smallest session timeout accepted' },
  { name: 'group.max.session.timeout.ms', type: 'int', default: 1800000, doc: 'Largest session timeout accepted' },
  { name: 'group.max.size', type: 'int', default: 2147483647, doc: 'Members per group', min: 1 },
  { name: 'transaction.max.timeout.ms', type: 'int', default: 900000, doc: 'Largest transaction timeout', min: 1 },
  { name: 'transactional.id.expiration.ms', type: 'int', default: 604800000, doc: 'Idle transactional ids expire after this', min: 1 },
  { name: 'transaction.partition.verification.enable', type: 'boolean', default: true, doc: 'A transactional batch that opens its producer\'s transaction on a partition is accepted only if the coordinator has the partition in that transaction (KIP-890)', dynamic: true },
  { name: 'transaction.state.log.num.partitions', type: 'int', default: 50, doc: 'Partitions of __transaction_state', min: 1, readOnly: true },
  { name: 'transaction.state.log.replication.factor', type: 'int', default: 3, doc: 'Replication of __transaction_state in a cluster, lowered to the live brokers when fewer (a single node keeps one copy)', min: 1, readOnly: true },
  { name: 'transaction.state.log.min.isr', type: 'int', default: 2, doc: 'min.insync.replicas of __transaction_state in a cluster (at most its replication factor)', min: 1, readOnly: true },
  { name: 'transaction.state.log.segment.bytes', type: 'int', default: 104857600, doc: 'Segment size of __transaction_state', min: 1 },
  { name: 'transaction.abort.timed.out.transaction.cleanup.interval.ms', type: 'int', default: 10000, doc: 'How often transactions past their timeout are aborted', min: 1 },
  { name: 'transaction.remove.expired.transaction.cleanup.interval.ms', type: 'int', default: 3600000, doc: 'How often expired transactional ids are removed', min: 1 },
  { name: 'producer.id.expiration.ms', type: 'int', default: 86400000, doc: 'An idempotent producer whose last batch is older than this is forgotten', min: 1, dynamic: true },
  { name: 'producer.id.expiration.check.interval.ms', type: 'int', default: 600000, doc: 'How often idle producers are looked for', min: 1 },
  { name: 'replica.high.watermark.checkpoint.interval.ms', type: 'long', default: 5000, doc: 'How often high watermarks are checkpointed', min: 1 },
  // Each partition keeps its active segment's .log open, so the limit in effect is also at most
  // what the open-file limit leaves after connections and other segments (storage/open-files.ts).
  { name: 'max.broker.partitions', type: 'int', default: 10000, doc: 'Partitions this broker may host (KIP-578), and at most what its open-file limit allows; CreateTopics, CreatePartitions and auto-creation beyond it get POLICY_VIOLATION', min: 1 },
  // Samsa's own: the HTTP listener of /metrics, /health, /ready and the web console (Redpanda's admin port).
  { name: 'admin.listeners', type: 'list', default: ['http://127.0.0.1:9644'], doc: 'HTTP addresses of /metrics, /health, /ready and the web console (http://host:port, port 0 picks one); empty turns it off', readOnly: true },
  { name: 'console.read.only', type: 'boolean', default: false, doc: 'The web console shows everything but changes nothing (no topic creation, deletion, config changes or offset resets)', readOnly: true },
  // ---- security: listeners, TLS, SASL, the authorizer and quotas (src/server/security/) ----
  { name: 'listener.security.protocol.map', type: 'list', default: ['PLAINTEXT:PLAINTEXT', 'SSL:SSL', 'SASL_PLAINTEXT:SASL_PLAINTEXT', 'SASL_SSL:SASL_SSL'], doc: 'Listener name to security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)', readOnly: true },
  { name: 'inter.broker.listener.name', type: 'string', default: null, doc: 'The listener brokers and the controller address each other on (default: the one security.inter.broker.protocol names, else the first)', readOnly: true },
  { name: 'security.inter.broker.protocol', type: 'string', default: 'PLAINTEXT', doc: 'Security protocol of the inter-broker listener when inter.broker.listener.name is not set', oneOf: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'], readOnly: true },
  { name: 'ssl.keystore.type', type: 'string', default: 'JKS', doc: 'PEM or PKCS12 (JKS is read by Java only)', readOnly: true },
  { name: 'ssl.keystore.location', type: 'string', default: null, doc: 'PEM file with the private key and certificate chain, or a PKCS12 file', readOnly: true },
  { name: 'ssl.keystore.password', type: 'password', default: null, doc: 'Password of the PKCS12 keystore (PEM: of the key when ssl.key.password is not set)', readOnly: true },
  { name: 'ssl.key.password', type: 'password', default: null, doc: 'Password of the private key (encrypted PEM key)', readOnly: true },
  { name: 'ssl.keystore.key', type: 'password', default: null, doc: 'PEM private key, inline', readOnly: true },
  { name: 'ssl.keystore.certificate.chain', type: 'password', default: null, doc: 'PEM certificate chain, inline', readOnly: true },
  { name: 'ssl.truststore.type', type: 'string', default: 'JKS', doc: 'PEM or PKCS12', readOnly: true },
  { name: 'ssl.truststore.location', type: 'string', default: null, doc: 'CA certificates client certificates are checked against (PEM or PKCS12)', readOnly: true },
  { name: 'ssl.truststore.password', type: 'password', default: null, doc: 'Password of a PKCS12 truststore', readOnly: true },
  { name: 'ssl.truststore.certificates', type: 'password', default: null, doc: 'PEM CA certificates, inline', readOnly: true },
  { name: 'ssl.client.auth', type: 'string', default: 'none', doc: 'Client certificates: required, requested or none', oneOf: ['required', 'requested', 'none'], readOnly: true },
  { name: 'ssl.enabled.protocols', type: 'list', default: ['TLSv1.2', 'TLSv1.3'], doc: 'TLS versions accepted', readOnly: true },
  { name: 'ssl.protocol', type: 'string', default: 'TLSv1.3', doc: 'Kept for Kafka compatibility; ssl.enabled.protocols decides', readOnly: true },
  { name: 'ssl.cipher.suites', type: 'list', default: [], doc: 'OpenSSL cipher list (empty: Node\'s defaults)', readOnly: true },
  { name: 'ssl.principal.mapping.rules', type: 'string', default: 'DEFAULT', doc: 'Rules mapping a certificate subject to a user name (Kafka\'s RULE:pattern/replacement/[LU] syntax)', readOnly: true },
  { name: 'ssl.endpoint.identification.algorithm', type: 'string', default: 'https', doc: 'Host name check of a peer broker\'s certificate on a TLS inter-broker listener (https; empty: the chain only); client host names are not checked', readOnly: true },
  { name: 'sasl.enabled.mechanisms', type: 'list', default: ['GSSAPI'], doc: 'SASL mechanisms offered: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (GSSAPI, Kafka\'s default, is not available)', readOnly: true },
  { name: 'sasl.mechanism.inter.broker.protocol', type: 'string', default: 'GSSAPI', doc: 'SASL mechanism brokers authenticate to each other with when the inter-broker listener uses SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)', readOnly: true },
  { name: 'sasl.server.max.receive.size', type: 'int', default: 524288, doc: 'Largest SASL token accepted before authentication', min: 1, readOnly: true },
  { name: 'connections.max.reauth.ms', type: 'long', default: 0, doc: 'Session lifetime of a SASL connection (KIP-368): past it, a client must re-authenticate or is disconnected; 0 never', min: 0, readOnly: true },
  { name: 'authorizer.class.name', type: 'string', default: '', doc: 'kafka.security.authorizer.AclAuthorizer or org.apache.kafka.metadata.authorizer.StandardAuthorizer turns ACLs on; empty: every request is allowed', readOnly: true },
  { name: 'super.users', type: 'string', default: null, doc: 'Principals allowed everything, separated by semicolons (User:admin;User:CN=broker)', readOnly: true },
  { name: 'allow.everyone.if.no.acl.found', type: 'boolean', default: false, doc: 'Allow access to resources no ACL names', readOnly: true },
  { name: 'quota.window.num', type: 'int', default: 11, doc: 'Samples kept for client quota rates', min: 1, readOnly: true },
  { name: 'quota.window.size.seconds', type: 'int', default: 1, doc: 'Length of one quota sample', min: 1, readOnly: true },
  { name: 'fetch.max.bytes', type: 'int', default: 57671680, doc: 'Largest fetch response', min: 1024 },
];

export const BROKER_CONFIG_BY_NAME = new Map(BROKER_CONFIGS.map((d) => [d.name, d]));
