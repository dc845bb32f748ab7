/**
 * Kafka broker settings that have no meaning in Samsa. A server.properties written for Kafka
 * sets several of them (its stock file sets thread counts and socket buffers); they are accepted
 * with one warning at start instead of stopping it. A name Samsa defines is never looked up here,
 * so a setting that gains a meaning only has to be defined to take effect.
 * docs/compatibility.md lists the same names.
 */
const IGNORED: ReadonlyMap<string, string> = new Map([
  ['num.network.threads', 'one event loop serves every connection'],
  ['num.io.threads', 'one event loop handles every request; the OS does the file I/O'],
  ['background.threads', 'background tasks run on the event loop'],
  ['num.recovery.threads.per.data.dir', 'recovery runs on the event loop'],
  ['num.replica.fetchers', 'one fetcher per leader broker, on the event loop'],
  ['num.replica.alter.log.dirs.threads', 'one data directory is used'],
  ['log.cleaner.threads', 'the log cleaner is one task on the event loop'],
  ['log.cleaner.dedupe.buffer.size', 'the cleaner sizes its own offset map'],
  ['log.cleaner.io.buffer.size', 'the cleaner sizes its own buffers'],
  ['log.cleaner.io.buffer.load.factor', 'the cleaner sizes its own offset map'],
  ['log.cleaner.io.max.bytes.per.second', 'the cleaner is not throttled'],
  ['socket.send.buffer.bytes', "the OS's socket buffer sizes are used"],
  ['socket.receive.buffer.bytes', "the OS's socket buffer sizes are used"],
  ['queued.max.requests', 'queued.max.request.bytes bounds waiting requests'],
  ['log.flush.offset.checkpoint.interval.ms', 'recovery points are written at clean shutdown and rebuilt by recovery'],
  ['log.flush.start.offset.checkpoint.interval.ms', 'log start offsets are written with the metadata'],
  ['log.preallocate', 'segments are not preallocated'],
  ['inter.broker.protocol.version', 'brokers speak the newest inter-broker versions both sides serve'],
  ['zookeeper.set.acl', 'znodes are created with open ACLs'],
  ['zookeeper.max.in.flight.requests', 'requests to ZooKeeper are not limited in number'],
  ['log.message.format.version', 'record batches v2 are the only format stored (as Kafka 3.0 and later)'],
]);

/** ZooKeeper's TLS, SASL and ACL settings: cluster mode talks to ZooKeeper in plaintext without znode ACLs. */
const IGNORED_PREFIXES: ReadonlyArray<[string, string]> = [
  ['zookeeper.ssl.', 'the ZooKeeper session is plaintext'],
  ['zookeeper.clientCnxnSocket', 'the ZooKeeper client is the broker\'s own'],
];

/** Why a Kafka setting is ignored, or undefined when Samsa does not know the name at all. */
export function ignoredSetting(name: string): string | undefined {
  const why = IGNORED.get(name);
  if (why !== undefined) return why;
  for (const [prefix, reason] of IGNORED_PREFIXES) if (name.startsWith(prefix)) return reason;
  return undefined;
}

/** The names environment variables can reach (a prefix has no fixed set of names). */
export const IGNORED_SETTING_NAMES: readonly string[] = [...IGNORED.keys(), 'zookeeper.ssl.client.enable'];
