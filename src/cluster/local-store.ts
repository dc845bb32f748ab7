import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { realFs, writeFileAtomic } from '../storage/fs.js';
import type { MetadataStore, TopicRecord } from './metadata-store.js';
import { applyAclChanges, applyEntityChanges, type AclBinding, type EntityConfigChange, type SecurityStore } from './security-store.js';

interface Persisted {
  version: 1;
  clusterId: string;
  topics: TopicRecord[];
  /** The first producer id not yet reserved; absent in files written before idempotence: 0. */
  nextProducerId?: number;
  /**
   * Dynamic broker configs by entity, Kafka's /config/brokers/<default> and /config/brokers/<id>;
   * absent in files written before they existed: none.
   */
  brokerConfigs?: Record<string, Record<string, string>>;
  /** SCRAM credentials and quotas by entity path (users/alice, ...), as ZooKeeper's /config holds them. */
  entityConfigs?: Record<string, Record<string, string>>;
  acls?: AclBinding[];
}

const FILE = 'samsa-metadata.json';

/** Single-node metadata in one file of the data directory, replaced atomically on each change. */
export class LocalMetadataStore implements MetadataStore {
  readonly clusterId: string;
  /** The metadata file did not exist: this directory's cluster starts now. */
  readonly created: boolean;
  private readonly byName = new Map<string, TopicRecord>();
  private readonly byId = new Map<string, TopicRecord>();
  private nextProducerId = 0;
  private dynamicBrokerConfigs: Record<string, Record<string, string>> = {};
  private entities = new Map<string, Record<string, string>>();
  private aclList: AclBinding[] = [];

  constructor(private readonly dir: string, clusterIdIfNew: string, nodeId: number) {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, FILE);
    if (existsSync(path)) {
      let data: Persisted;
      try {
        data = JSON.parse(readFileSync(path, 'utf8')) as Persisted;
        if (typeof data?.clusterId !== 'string' || !Array.isArray(data.topics)) throw new Error('no clusterId or topics');
      } catch (err) {
        // The start error is one line: it has to say which file to look at.
        throw new Error(`${path} is not readable metadata (${(err as Error).message})`);
      }
      this.clusterId = data.clusterId;
      for (const t of data.topics) this.index(t);
      this.created = false;
      this.nextProducerId = data.nextProducerId ?? 0;
      this.dynamicBrokerConfigs = readBrokerConfigs(path, data.brokerConfigs);
      this.entities = new Map(Object.entries(data.entityConfigs ?? {}));
      this.aclList = data.acls ?? [];
    } else {
      this.clusterId = clusterIdIfNew;
      this.created = true;
      this.save();
    }
    writeAtomically(join(dir, 'meta.properties'), `version=1\ncluster.id=${this.clusterId}\nnode.id=${nodeId}\n`);
  }

  private index(t: TopicRecord): void {
    this.byName.set(t.name, t);
    this.byId.set(t.id, t);
  }

  private save(): void {
    const data: Persisted = {
      version: 1,
      clusterId: this.clusterId,
      topics: [...this.byName.values()],
      nextProducerId: this.nextProducerId,
      brokerConfigs: this.dynamicBrokerConfigs,
      ...(this.entities.size > 0 ? { entityConfigs: Object.fromEntries(this.entities) } : {}),
      ...(this.aclList.length > 0 ? { acls: this.aclList } : {}),
    };
    writeAtomically(join(this.dir, FILE), JSON.stringify(data));
  }

  topics(): Iterable<TopicRecord> {
    return this.byName.values();
  }
  topic(name: string): TopicRecord | undefined {
    return this.byName.get(name);
  }
  topicById(id: string): TopicRecord | undefined {
    return this.byId.get(id);
  }
  createTopic(topic: TopicRecord): void {
    this.index(topic);
    this.save();
  }
  deleteTopic(name: string): void {
    const t = this.byName.get(name);
    if (!t) return;
    this.byName.delete(name);
    this.byId.delete(t.id);
    this.save();
  }
  updateTopic(name: string, change: (t: TopicRecord) => void): void {
    const t = this.byName.get(name);
    if (!t) return;
    change(t);
    this.save();
  }
  replaceTopics(topics: readonly TopicRecord[]): void {
    this.byName.clear();
    this.byId.clear();
    for (const t of topics) this.index(t);
    this.save();
  }
  brokerConfigs(): Record<string, Record<string, string>> {
    return structuredClone(this.dynamicBrokerConfigs);
  }
  replaceBrokerConfigs(configs: Record<string, Record<string, string>>): void {
    const previous = this.dynamicBrokerConfigs;
    this.dynamicBrokerConfigs = structuredClone(configs);
    try {
      this.save();
    } catch (err) {
      this.dynamicBrokerConfigs = previous;
      throw err;
    }
  }
  entityMap(): ReadonlyMap<string, Readonly<Record<string, string>>> {
    return this.entities;
  }
  aclBindings(): readonly AclBinding[] {
    return this.aclList;
  }
  /** Changes the security metadata and saves it; nothing changes when the save fails. */
  changeSecurity(change: (s: { entities: Map<string, Record<string, string>>; acls: AclBinding[] }) => void): void {
    const before = { entities: this.entities, acls: this.aclList };
    const next = { entities: new Map(this.entities), acls: [...this.aclList] };
    change(next);
    this.entities = next.entities;
    this.aclList = next.acls;
    try {
      this.save();
    } catch (err) {
      this.entities = before.entities;
      this.aclList = before.acls;
      throw err;
    }
  }
  reserveProducerIds(count: number): number {
    const first = this.nextProducerId;
    this.nextProducerId = first + count;
    try {
      this.save();
    } catch (err) {
      this.nextProducerId = first;
      throw err;
    }
    return first;
  }
}

/** The brokerConfigs member of a metadata file: an object of objects of strings, or absent. */
function readBrokerConfigs(path: string, raw: unknown): Record<string, Record<string, string>> {
  if (raw === undefined) return {};
  const bad = () => new Error(`${path} is not readable metadata (brokerConfigs is not an object of string configs)`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad();
  const out: Record<string, Record<string, string>> = {};
  for (const [entity, configs] of Object.entries(raw)) {
    if (typeof configs !== 'object' || configs === null || Array.isArray(configs)) throw bad();
    const entry: Record<string, string> = {};
    for (const [k, v] of Object.entries(configs as Record<string, unknown>)) {
      if (typeof v !== 'string') throw bad();
      entry[k] = v;
    }
    out[entity] = entry;
  }
  return out;
}

/** The single node's security metadata, in its metadata file. */
export class LocalSecurityStore implements SecurityStore {
  private readonly listeners: Array<() => void> = [];
  constructor(private readonly store: LocalMetadataStore) {}
  entityConfigs(): ReadonlyMap<string, Readonly<Record<string, string>>> {
    return this.store.entityMap();
  }
  async alterEntityConfigs(changes: readonly EntityConfigChange[]): Promise<void> {
    this.store.changeSecurity((s) => applyEntityChanges(s.entities, changes));
    this.changed();
  }
  acls(): readonly AclBinding[] {
    return this.store.aclBindings();
  }
  async alterAcls(add: readonly AclBinding[], remove: readonly AclBinding[]): Promise<void> {
    this.store.changeSecurity((s) => {
      s.acls = applyAclChanges(s.acls, add, remove);
    });
    this.changed();
  }
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
  private changed(): void {
    for (const l of this.listeners) l();
  }
}

/** Replaces a file atomically and durably (the project's one helper, storage/fs.ts). */
export function writeAtomically(path: string, text: string): void {
  writeFileAtomic(realFs, path, text);
}
