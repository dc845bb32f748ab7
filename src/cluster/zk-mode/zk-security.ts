/**
 * Security metadata in ZooKeeper, in Kafka 3.9's layout, so that Kafka's own tools read it:
 * SCRAM credentials and quotas under /config/users/<user>, /config/users/<user>/clients/<id> and
 * /config/clients/<id> (announced on /config/changes, as topic configs are), literal ACLs under
 * /kafka-acl/<ResourceType>/<name> and prefixed ones under /kafka-acl-extended/prefixed/...,
 * announced on /kafka-acl-changes and /kafka-acl-extended-changes (AclAuthorizer). Every broker
 * writes directly (version-checked, retried on a race) and every broker reloads on a change.
 */
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { ZkCode, isZkError, type MultiOp, type ZooKeeperClient } from '../zookeeper/index.js';
import {
  AclOp, AclPatternType, AclPermission, AclResourceType, applyAclChanges, applyEntityChanges, aclKey,
  type AclBinding, type EntityConfigChange, type SecurityStore,
} from '../security-store.js';
import { decodeEntityConfig, encodeEntityConfig, ZkPaths } from './znodes.js';

const LITERAL_ROOT = '/kafka-acl';
const PREFIXED_ROOT = '/kafka-acl-extended/prefixed';
const LITERAL_CHANGES = '/kafka-acl-changes';
const EXTENDED_CHANGES = '/kafka-acl-extended-changes';
const ACL_CHANGE_PREFIX = 'acl_changes_';

/** SecurityUtils.resourceTypeName and operationName: the names in ACL paths and znodes. */
const RESOURCE_NAMES: Record<number, string> = {
  [AclResourceType.TOPIC]: 'Topic', [AclResourceType.GROUP]: 'Group', [AclResourceType.CLUSTER]: 'Cluster',
  [AclResourceType.TRANSACTIONAL_ID]: 'TransactionalId', [AclResourceType.DELEGATION_TOKEN]: 'DelegationToken', [AclResourceType.USER]: 'User',
};
const ENUM_NAMES: Record<number, string> = {
  [AclResourceType.TOPIC]: 'TOPIC', [AclResourceType.GROUP]: 'GROUP', [AclResourceType.CLUSTER]: 'CLUSTER',
  [AclResourceType.TRANSACTIONAL_ID]: 'TRANSACTIONAL_ID', [AclResourceType.DELEGATION_TOKEN]: 'DELEGATION_TOKEN', [AclResourceType.USER]: 'USER',
};
const OPERATION_NAMES: Record<number, string> = {
  [AclOp.ALL]: 'All', [AclOp.READ]: 'Read', [AclOp.WRITE]: 'Write', [AclOp.CREATE]: 'Create', [AclOp.DELETE]: 'Delete', [AclOp.ALTER]: 'Alter',
  [AclOp.DESCRIBE]: 'Describe', [AclOp.CLUSTER_ACTION]: 'ClusterAction', [AclOp.DESCRIBE_CONFIGS]: 'DescribeConfigs', [AclOp.ALTER_CONFIGS]: 'AlterConfigs',
  [AclOp.IDEMPOTENT_WRITE]: 'IdempotentWrite', [AclOp.CREATE_TOKENS]: 'CreateTokens', [AclOp.DESCRIBE_TOKENS]: 'DescribeTokens',
};
const byName = (m: Record<number, string>) => new Map(Object.entries(m).map(([k, v]) => [v.toLowerCase(), Number(k)]));
const RESOURCE_BY_NAME = byName(RESOURCE_NAMES);
const OPERATION_BY_NAME = byName(OPERATION_NAMES);

export function aclResourcePath(resourceType: number, patternType: number, name: string): string {
  return `${patternType === AclPatternType.PREFIXED ? PREFIXED_ROOT : LITERAL_ROOT}/${RESOURCE_NAMES[resourceType]}/${name}`;
}

/** AclEntry.toJsonCompatibleMap: the ACLs of one resource pattern. */
export function encodeResourceAcls(acls: readonly AclBinding[]): Buffer {
  return Buffer.from(JSON.stringify({
    version: 1,
    acls: acls.map((a) => ({ principal: a.principal, permissionType: a.permission === AclPermission.ALLOW ? 'Allow' : 'Deny', operation: OPERATION_NAMES[a.operation], host: a.host })),
  }));
}

export function decodeResourceAcls(resourceType: number, patternType: number, name: string, data: Buffer): AclBinding[] {
  if (data.length === 0) return [];
  const o = JSON.parse(data.toString('utf8')) as { acls?: Array<Record<string, unknown>> };
  const out: AclBinding[] = [];
  for (const a of o.acls ?? []) {
    const op = OPERATION_BY_NAME.get(String(a['operation']).toLowerCase());
    const perm = String(a['permissionType']).toLowerCase();
    if (op === undefined || (perm !== 'allow' && perm !== 'deny') || typeof a['principal'] !== 'string' || typeof a['host'] !== 'string') continue;
    out.push({ resourceType, resourceName: name, patternType, principal: a['principal'], host: a['host'], operation: op, permission: perm === 'allow' ? AclPermission.ALLOW : AclPermission.DENY });
  }
  return out;
}

export class ZkSecurityStore implements SecurityStore {
  private entities = new Map<string, Record<string, string>>();
  private aclList: AclBinding[] = [];
  private readonly listeners: Array<() => void> = [];
  private loading: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastAclChange = new Map<string, number>();

  constructor(private readonly zk: () => ZooKeeperClient, private readonly log: Logger, private readonly clock: Clock) {}

  /** Creates the layout, loads everything and follows the ACL change notifications. */
  async start(): Promise<void> {
    for (const p of ['/config/users', '/config/clients', LITERAL_ROOT, '/kafka-acl-extended', PREFIXED_ROOT, LITERAL_CHANGES, EXTENDED_CHANGES]) await this.createIfMissing(p);
    await this.reloadAll();
    await this.watchAclChanges(LITERAL_CHANGES);
    await this.watchAclChanges(EXTENDED_CHANGES);
  }

  stop(): void {
    this.stopped = true;
  }

  entityConfigs(): ReadonlyMap<string, Readonly<Record<string, string>>> {
    return this.entities;
  }

  acls(): readonly AclBinding[] {
    return this.aclList;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** /config/changes announced a change to an entity other than a topic ("*": reload all, after a new session). */
  entityChanged(entityPath: string): void {
    if (entityPath === '*') {
      void this.serially(() => this.reloadAll());
      return;
    }
    if (!/^(users|clients)\//.test(entityPath)) return;
    void this.serially(async () => {
      await this.readEntity(entityPath);
      this.changed();
    });
  }

  private serially(fn: () => Promise<void>): Promise<void> {
    const next = this.loading.then(fn).catch((err: unknown) => {
      this.log.warn({ err }, 'cannot read security metadata from ZooKeeper; retrying');
      if (!this.stopped) this.clock.schedule(1000, () => void this.serially(() => this.reloadAll()));
    });
    this.loading = next;
    return next;
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  private async createIfMissing(path: string): Promise<void> {
    try {
      await this.zk().create(path);
    } catch (err) {
      if (!isZkError(err, ZkCode.NODEEXISTS)) throw err;
    }
  }

  private async children(path: string, watch?: () => void): Promise<string[]> {
    try {
      return (await this.zk().getChildren(path, watch ? { watch } : {})).children;
    } catch (err) {
      if (isZkError(err, ZkCode.NONODE)) return [];
      throw err;
    }
  }

  private async reloadAll(): Promise<void> {
    const entities = new Map<string, Record<string, string>>();
    const read = async (entityPath: string) => {
      const c = await this.readConfig(entityPath);
      if (c && Object.keys(c).length > 0) entities.set(entityPath, c);
    };
    for (const u of await this.children('/config/users')) {
      await read(`users/${u}`);
      for (const c of await this.children(`/config/users/${u}/clients`)) await read(`users/${u}/clients/${c}`);
    }
    for (const c of await this.children('/config/clients')) await read(`clients/${c}`);
    const acls: AclBinding[] = [];
    for (const [root, patternType] of [[LITERAL_ROOT, AclPatternType.LITERAL], [PREFIXED_ROOT, AclPatternType.PREFIXED]] as const) {
      for (const typeName of await this.children(root)) {
        const type = RESOURCE_BY_NAME.get(typeName.toLowerCase());
        if (type === undefined) continue;
        for (const name of await this.children(`${root}/${typeName}`)) acls.push(...(await this.readAcls(type, patternType, name)).acls);
      }
    }
    this.entities = entities;
    this.aclList = acls;
    this.changed();
  }

  private async readConfig(entityPath: string): Promise<Record<string, string> | null> {
    const path = `/config/${entityPath}`;
    try {
      return decodeEntityConfig(path, (await this.zk().getData(path)).data);
    } catch (err) {
      if (isZkError(err, ZkCode.NONODE)) return null;
      throw err;
    }
  }

  private async readEntity(entityPath: string): Promise<void> {
    const c = await this.readConfig(entityPath);
    const next = new Map(this.entities);
    if (c && Object.keys(c).length > 0) next.set(entityPath, c);
    else next.delete(entityPath);
    this.entities = next;
  }

  private async readAcls(type: number, patternType: number, name: string): Promise<{ acls: AclBinding[]; version: number }> {
    const path = aclResourcePath(type, patternType, name);
    try {
      const { data, stat } = await this.zk().getData(path);
      return { acls: decodeResourceAcls(type, patternType, name, data), version: stat.version };
    } catch (err) {
      if (isZkError(err, ZkCode.NONODE)) return { acls: [], version: -1 };
      throw err;
    }
  }

  private async watchAclChanges(path: string): Promise<void> {
    if (this.stopped) return;
    const seq = (c: string) => (c.startsWith(ACL_CHANGE_PREFIX) ? Number(c.slice(ACL_CHANGE_PREFIX.length)) : -1);
    const children = await this.children(path, () => void this.watchAclChanges(path).catch((err: unknown) => this.log.warn({ err, path }, 'cannot follow ACL changes')));
    const last = Math.max(-1, ...children.map(seq));
    const before = this.lastAclChange.get(path);
    this.lastAclChange.set(path, last);
    if (before !== undefined && last > before) await this.serially(() => this.reloadAll());
  }

  async alterEntityConfigs(changes: readonly EntityConfigChange[]): Promise<void> {
    for (const change of changes) {
      const path = `/config/${change.path}`;
      for (let attempt = 0; ; attempt++) {
        const zk = this.zk();
        let current: Record<string, string> = {};
        let version = -1;
        try {
          const got = await zk.getData(path);
          current = decodeEntityConfig(path, got.data);
          version = got.stat.version;
        } catch (err) {
          if (!isZkError(err, ZkCode.NONODE)) throw err;
        }
        const m = new Map([[change.path, current]]);
        applyEntityChanges(m, [change]);
        const data = encodeEntityConfig(m.get(change.path) ?? {});
        // A user's client entity lives under the user's node: created first, empty.
        const nested = /^users\/([^/]+)\/clients\//.exec(change.path);
        if (nested) {
          await this.createIfMissing(`/config/users/${nested[1]}`);
          await this.createIfMissing(`/config/users/${nested[1]}/clients`);
        }
        const ops: MultiOp[] = [
          version >= 0 ? { op: 'setData', path, data, version } : { op: 'create', path, data },
          { op: 'create', path: ZkPaths.configChangePrefix, data: Buffer.from(JSON.stringify({ version: 2, entity_path: change.path })), mode: 'persistentSequential' },
        ];
        try {
          await zk.multi(ops);
          break;
        } catch (err) {
          const raced = isZkError(err, ZkCode.BADVERSION) || isZkError(err, ZkCode.NODEEXISTS);
          if (!raced || attempt >= 10) throw err;
        }
      }
    }
    // Read back now: a request right after this one on this broker sees the change.
    await this.serially(async () => {
      for (const c of changes) await this.readEntity(c.path);
      this.changed();
    });
  }

  async alterAcls(add: readonly AclBinding[], remove: readonly AclBinding[]): Promise<void> {
    const resources = new Map<string, { type: number; patternType: number; name: string }>();
    for (const b of [...add, ...remove]) resources.set(JSON.stringify([b.resourceType, b.patternType, b.resourceName]), { type: b.resourceType, patternType: b.patternType, name: b.resourceName });
    for (const r of resources.values()) {
      const mine = (b: AclBinding) => b.resourceType === r.type && b.patternType === r.patternType && b.resourceName === r.name;
      const path = aclResourcePath(r.type, r.patternType, r.name);
      for (let attempt = 0; ; attempt++) {
        const zk = this.zk();
        const { acls, version } = await this.readAcls(r.type, r.patternType, r.name);
        const next = applyAclChanges(acls, add.filter(mine), remove.filter(mine));
        const same = next.length === acls.length && next.every((a) => acls.some((b) => aclKey(a) === aclKey(b)));
        if (same) break;
        await this.createIfMissing(`${r.patternType === AclPatternType.PREFIXED ? PREFIXED_ROOT : LITERAL_ROOT}/${RESOURCE_NAMES[r.type]}`);
        const change: MultiOp = r.patternType === AclPatternType.PREFIXED
          ? { op: 'create', path: `${EXTENDED_CHANGES}/${ACL_CHANGE_PREFIX}`, data: Buffer.from(JSON.stringify({ version: 1, resourceType: ENUM_NAMES[r.type], name: r.name, patternType: 'PREFIXED' })), mode: 'persistentSequential' }
          : { op: 'create', path: `${LITERAL_CHANGES}/${ACL_CHANGE_PREFIX}`, data: Buffer.from(`${ENUM_NAMES[r.type]}:${r.name}`), mode: 'persistentSequential' };
        const write: MultiOp = next.length === 0
          ? { op: 'delete', path, version }
          : version >= 0 ? { op: 'setData', path, data: encodeResourceAcls(next), version } : { op: 'create', path, data: encodeResourceAcls(next) };
        try {
          await zk.multi([write, change]);
          break;
        } catch (err) {
          const raced = isZkError(err, ZkCode.BADVERSION) || isZkError(err, ZkCode.NODEEXISTS) || isZkError(err, ZkCode.NONODE);
          if (!raced || attempt >= 10) throw err;
        }
      }
    }
    await this.serially(async () => {
      this.aclList = applyAclChanges(this.aclList, add, remove);
      this.changed();
    });
  }
}
