/**
 * samsa user, samsa acl and samsa quota: SCRAM users, ACLs and client quotas, with rpk's flags
 * (rpk security user, rpk security acl, rpk cluster quotas).
 */
import { Command } from 'commander';
import {
  AclOperation,
  AclPermission,
  AclResourceType,
  operationName,
  PatternType,
  patternTypeName,
  permissionName,
  resourceTypeName,
  type AclBinding,
  type AclBindingFilter,
  type QuotaEntityPart,
  type QuotaFilterPart,
} from '../client/admin-security.js';
import { KafkaError } from '../client/util.js';
import { SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, SCRAM_MECHANISMS, type ScramMechanism } from '../server/security/scram.js';
import { isJson, session, withCommon, type Common } from './commands.js';
import { CliError, collect, json, out, parseIntArg, parseKeyValue, table } from './output.js';

/** The resource name Kafka gives the cluster in ACLs. */
export const CLUSTER_RESOURCE = 'kafka-cluster';

// ---------------------------------------------------------------- ACL flags

export interface AclFlags {
  allowPrincipal?: string[];
  denyPrincipal?: string[];
  allowHost?: string[];
  denyHost?: string[];
  operation?: string[];
  topic?: string[];
  group?: string[];
  transactionalId?: string[];
  cluster?: boolean;
  resourcePatternType?: string;
}

/** Repeated flags and comma lists alike ("--topic a,b --topic c"). */
const list = (v: string[] | undefined): string[] => (v ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');

/** "User:bob", or "bob" taken as a user, as rpk takes it. */
export function parsePrincipal(s: string): string {
  const i = s.indexOf(':');
  if (i < 0) return `User:${s}`;
  if (i === 0 || i === s.length - 1) throw new CliError(`bad principal "${s}": expected Type:name, such as User:bob`);
  return s;
}

const OPERATIONS: Record<string, number> = {
  all: AclOperation.ALL,
  read: AclOperation.READ,
  write: AclOperation.WRITE,
  create: AclOperation.CREATE,
  delete: AclOperation.DELETE,
  alter: AclOperation.ALTER,
  describe: AclOperation.DESCRIBE,
  cluster_action: AclOperation.CLUSTER_ACTION,
  describe_configs: AclOperation.DESCRIBE_CONFIGS,
  alter_configs: AclOperation.ALTER_CONFIGS,
  idempotent_write: AclOperation.IDEMPOTENT_WRITE,
};

export function parseOperations(values: string[] | undefined, allowAny: boolean): number[] {
  const ops = list(values).map((raw) => {
    const name = raw.toLowerCase().replace(/-/g, '_');
    if (allowAny && name === 'any') return AclOperation.ANY;
    const op = OPERATIONS[name];
    if (op === undefined) throw new CliError(`unknown operation "${raw}" (known: ${Object.keys(OPERATIONS).join(', ')}${allowAny ? ', any' : ''})`);
    return op;
  });
  return [...new Set(ops)];
}

export function parsePatternType(s: string | undefined, mode: 'create' | 'filter'): number {
  const v = (s ?? (mode === 'create' ? 'literal' : 'any')).toLowerCase();
  const allowed = mode === 'create' ? ['literal', 'prefixed'] : ['any', 'match', 'literal', 'prefixed'];
  if (!allowed.includes(v)) throw new CliError(`bad --resource-pattern-type "${s}": expected ${allowed.join(', ')}`);
  return PatternType[v.toUpperCase() as keyof typeof PatternType];
}

function resources(o: AclFlags): { type: number; name: string }[] {
  return [
    ...list(o.topic).map((name) => ({ type: AclResourceType.TOPIC, name })),
    ...list(o.group).map((name) => ({ type: AclResourceType.GROUP, name })),
    ...list(o.transactionalId).map((name) => ({ type: AclResourceType.TRANSACTIONAL_ID, name })),
    ...(o.cluster ? [{ type: AclResourceType.CLUSTER, name: CLUSTER_RESOURCE }] : []),
  ];
}

/** The ACLs `acl create` makes: every resource × principal × host × operation. */
export function aclBindings(o: AclFlags): AclBinding[] {
  const res = resources(o);
  if (res.length === 0) throw new CliError('give a resource: --topic, --group, --transactional-id or --cluster');
  const ops = parseOperations(o.operation, false);
  if (ops.length === 0) throw new CliError('give --operation (a comma list: read, write, describe, ...)');
  const allow = list(o.allowPrincipal).map(parsePrincipal);
  const deny = list(o.denyPrincipal).map(parsePrincipal);
  if (allow.length === 0 && deny.length === 0) throw new CliError('give --allow-principal or --deny-principal (User:name)');
  if (allow.length === 0 && list(o.allowHost).length) throw new CliError('--allow-host needs --allow-principal');
  if (deny.length === 0 && list(o.denyHost).length) throw new CliError('--deny-host needs --deny-principal');
  const patternType = parsePatternType(o.resourcePatternType, 'create');
  if (patternType === PatternType.PREFIXED && res.some((r) => r.type === AclResourceType.CLUSTER)) throw new CliError('the cluster resource takes literal ACLs only');
  const grants: { principal: string; host: string; permission: number }[] = [];
  const hosts = (v: string[] | undefined) => (list(v).length ? list(v) : ['*']);
  for (const principal of allow) for (const host of hosts(o.allowHost)) grants.push({ principal, host, permission: AclPermission.ALLOW });
  for (const principal of deny) for (const host of hosts(o.denyHost)) grants.push({ principal, host, permission: AclPermission.DENY });
  const out: AclBinding[] = [];
  for (const r of res) for (const g of grants) for (const operation of ops) out.push({ resourceType: r.type, resourceName: r.name, patternType, principal: g.principal, host: g.host, operation, permission: g.permission });
  return out;
}

/** The filters of `acl list` and `acl delete`: what is not given matches anything. */
export function aclFilters(o: AclFlags): AclBindingFilter[] {
  const patternType = parsePatternType(o.resourcePatternType, 'filter');
  const res: { type: number; name: string | null }[] = resources(o);
  if (res.length === 0) res.push({ type: AclResourceType.ANY, name: null });
  const ops = parseOperations(o.operation, true);
  if (ops.length === 0) ops.push(AclOperation.ANY);
  const who: { principal: string | null; host: string | null; permission: number }[] = [];
  const hostsOr = (v: string[] | undefined): (string | null)[] => (list(v).length ? list(v) : [null]);
  for (const principal of list(o.allowPrincipal).map(parsePrincipal)) for (const host of hostsOr(o.allowHost)) who.push({ principal, host, permission: AclPermission.ALLOW });
  for (const principal of list(o.denyPrincipal).map(parsePrincipal)) for (const host of hostsOr(o.denyHost)) who.push({ principal, host, permission: AclPermission.DENY });
  if (who.length === 0) {
    for (const host of list(o.allowHost)) who.push({ principal: null, host, permission: AclPermission.ALLOW });
    for (const host of list(o.denyHost)) who.push({ principal: null, host, permission: AclPermission.DENY });
  }
  if (who.length === 0) who.push({ principal: null, host: null, permission: AclPermission.ANY });
  const out: AclBindingFilter[] = [];
  for (const r of res) for (const w of who) for (const operation of ops) out.push({ resourceType: r.type, resourceName: r.name, patternType, principal: w.principal, host: w.host, operation, permission: w.permission });
  return out;
}

function withAclFlags(cmd: Command, mode: 'create' | 'filter'): Command {
  const patterns = mode === 'create' ? 'literal or prefixed; default literal' : 'any, match, literal or prefixed; default any';
  return cmd
    .option('--allow-principal <principals>', 'principals granted (User:name; comma list, repeatable)', collect, [])
    .option('--deny-principal <principals>', 'principals denied (User:name; comma list, repeatable)', collect, [])
    .option('--allow-host <hosts>', `hosts the allow principals are granted from${mode === 'create' ? ' (default *)' : ''}`, collect, [])
    .option('--deny-host <hosts>', `hosts the deny principals are denied from${mode === 'create' ? ' (default *)' : ''}`, collect, [])
    .option('--operation <ops>', `operations, comma list: ${Object.keys(OPERATIONS).join(', ')}${mode === 'filter' ? ', any' : ''}`, collect, [])
    .option('--topic <names>', 'topics (comma list, repeatable)', collect, [])
    .option('--group <names>', 'consumer groups (comma list, repeatable)', collect, [])
    .option('--transactional-id <ids>', 'transactional ids (comma list, repeatable)', collect, [])
    .option('--cluster', `the cluster (${CLUSTER_RESOURCE})`)
    .option('--resource-pattern-type <type>', `how the resource names match: ${patterns}`);
}

function aclRow(a: AclBinding & { error?: string | null }): Record<string, string | null> {
  return {
    principal: a.principal,
    host: a.host,
    resourceType: resourceTypeName(a.resourceType),
    resourceName: a.resourceName,
    resourcePatternType: patternTypeName(a.patternType),
    operation: operationName(a.operation),
    permission: permissionName(a.permission),
    ...(a.error !== undefined ? { error: a.error } : {}),
  };
}

const ACL_HEADERS = ['PRINCIPAL', 'HOST', 'RESOURCE-TYPE', 'RESOURCE-NAME', 'RESOURCE-PATTERN-TYPE', 'OPERATION', 'PERMISSION'];
const aclCells = (r: Record<string, string | null>) => [r.principal, r.host, r.resourceType, r.resourceName, r.resourcePatternType, r.operation, r.permission];

function aclCommands(): Command {
  const acl = new Command('acl').description('create, list and delete ACLs (the broker needs authorizer.class.name)');

  withAclFlags(withCommon(acl.command('create')), 'create')
    .description('create ACLs: every resource × principal × host × operation given')
    .addHelpText('after', '\nExamples:\n  samsa acl create --allow-principal User:bob --operation read,write,describe --topic orders\n  samsa acl create --allow-principal User:bob --operation read --group billing\n  samsa acl create --deny-principal User:eve --operation all --topic pay- --resource-pattern-type prefixed\n')
    .action(async (o: Common & AclFlags) => {
      const bindings = aclBindings(o);
      await session(o, async (_c, admin) => {
        const results = await admin.security.createAcls(bindings);
        const rows = results.map((r) => aclRow({ ...r.binding, error: r.error }));
        if (isJson(o)) json(rows);
        else out(table([...ACL_HEADERS, 'ERROR'], rows.map((r) => [...aclCells(r), r.error ?? ''])));
        const failed = results.find((r) => r.errorCode !== 0);
        if (failed) throw new CliError(`cannot create ACL for ${failed.binding.principal} on ${resourceTypeName(failed.binding.resourceType).toLowerCase()} ${failed.binding.resourceName}: ${failed.error}`);
      });
    });

  withAclFlags(withCommon(acl.command('list')), 'filter')
    .alias('ls')
    .description('list the ACLs that match the flags (none: every ACL)')
    .addHelpText('after', '\nExamples:\n  samsa acl list\n  samsa acl list --topic orders --format json\n')
    .action(async (o: Common & AclFlags) => {
      const filters = aclFilters(o);
      await session(o, async (_c, admin) => {
        const seen = new Set<string>();
        const rows: Record<string, string | null>[] = [];
        for (const f of filters) {
          for (const a of await admin.security.describeAcls(f)) {
            const r = aclRow(a);
            const k = JSON.stringify(r);
            if (seen.has(k)) continue;
            seen.add(k);
            rows.push(r);
          }
        }
        if (isJson(o)) json(rows);
        else out(table(ACL_HEADERS, rows.map(aclCells)));
      });
    });

  withAclFlags(withCommon(acl.command('delete')), 'filter')
    .alias('rm')
    .description('delete the ACLs that match the flags (a resource or a principal is required)')
    .addHelpText('after', '\nExample:\n  samsa acl delete --allow-principal User:bob --topic orders --operation write\n')
    .action(async (o: Common & AclFlags) => {
      if (resources(o).length === 0 && list(o.allowPrincipal).length === 0 && list(o.denyPrincipal).length === 0) {
        throw new CliError('acl delete needs a resource (--topic, --group, --transactional-id, --cluster) or a principal, so that it never deletes every ACL by accident');
      }
      const filters = aclFilters(o);
      await session(o, async (_c, admin) => {
        const results = await admin.security.deleteAcls(filters);
        const rows = results.flatMap((r) => r.deleted.map((d) => aclRow({ resourceType: d.resourceType, resourceName: d.resourceName, patternType: d.patternType, principal: d.principal, host: d.host, operation: d.operation, permission: d.permission })));
        if (isJson(o)) json(rows);
        else out(table(ACL_HEADERS, rows.map(aclCells)));
        const failed = results.find((r) => r.errorCode !== 0) ?? null;
        if (failed) throw new CliError(`cannot delete ACLs: ${failed.error}`);
        const failedAcl = results.flatMap((r) => r.deleted).find((d) => d.errorCode !== 0);
        if (failedAcl) throw new CliError(`cannot delete ACL for ${failedAcl.principal} on ${failedAcl.resourceName}: ${failedAcl.error}`);
      });
    });
  return acl;
}

// ---------------------------------------------------------------- users

function parseMechanism(s: string): ScramMechanism {
  const m = s.toUpperCase();
  if (!(SCRAM_MECHANISMS as readonly string[]).includes(m)) throw new CliError(`bad mechanism "${s}": expected ${SCRAM_MECHANISMS.join(' or ')}`);
  return m as ScramMechanism;
}

function userCommands(): Command {
  const user = new Command('user').description('SCRAM users: create, delete, list (AlterUserScramCredentials)');

  withCommon(user.command('create'))
    .description('create a SCRAM user, or set its password for this mechanism')
    .argument('<name>', 'user name')
    .requiredOption('--new-password <password>', 'the user\'s password (salted and hashed here; the broker never sees it)')
    .option('--mechanism <mechanism>', `${SCRAM_MECHANISMS.join(' or ')}`, 'SCRAM-SHA-256')
    .option('--iterations <n>', `PBKDF2 iterations, ${SCRAM_MIN_ITERATIONS}-${SCRAM_MAX_ITERATIONS}`, String(SCRAM_MIN_ITERATIONS))
    .addHelpText('after', '\nExample:\n  samsa user create alice --new-password s3cret --mechanism SCRAM-SHA-512\n')
    .action(async (name: string, o: Common & { newPassword: string; mechanism: string; iterations: string }) => {
      const mechanism = parseMechanism(o.mechanism);
      const iterations = parseIntArg(o.iterations, 'iterations', SCRAM_MIN_ITERATIONS);
      if (iterations > SCRAM_MAX_ITERATIONS) throw new CliError(`bad iterations "${o.iterations}": at most ${SCRAM_MAX_ITERATIONS}`);
      if (o.newPassword === '') throw new CliError('the password must not be empty');
      await session(o, async (_c, admin) => {
        const [r] = await admin.security.alterUserScramCredentials([{ user: name, password: o.newPassword, mechanism, iterations }]);
        if (!r || r.errorCode !== 0) throw new CliError(`cannot create user ${name}: ${r?.error ?? 'no result from the broker'}`);
        if (isJson(o)) json({ user: name, mechanism, iterations });
        else out(table(['USER', 'MECHANISM', 'ITERATIONS', 'STATUS'], [[name, mechanism, iterations, 'OK']]));
      });
    });

  withCommon(user.command('delete'))
    .alias('rm')
    .description('delete a SCRAM user\'s credentials (every mechanism, or the one given)')
    .argument('<name>', 'user name')
    .option('--mechanism <mechanism>', `only this one: ${SCRAM_MECHANISMS.join(' or ')}`)
    .addHelpText('after', '\nExample:\n  samsa user delete alice\n')
    .action(async (name: string, o: Common & { mechanism?: string }) => {
      const only = o.mechanism === undefined ? null : parseMechanism(o.mechanism);
      await session(o, async (_c, admin) => {
        let mechanisms: ScramMechanism[];
        if (only) mechanisms = [only];
        else {
          const [d] = await admin.security.describeUserScramCredentials([name]);
          if (!d || d.errorCode !== 0) throw new CliError(`cannot delete user ${name}: ${d?.error ?? 'no result from the broker'}`);
          mechanisms = d.credentials.map((c) => c.mechanism).filter((m): m is ScramMechanism => (SCRAM_MECHANISMS as readonly string[]).includes(m));
        }
        const results = await admin.security.alterUserScramCredentials([], mechanisms.map((mechanism) => ({ user: name, mechanism })));
        const failed = results.find((r) => r.errorCode !== 0);
        if (failed) throw new CliError(`cannot delete user ${name}: ${failed.error}`);
        if (isJson(o)) json({ user: name, deleted: mechanisms });
        else out(table(['USER', 'MECHANISM', 'STATUS'], mechanisms.map((m) => [name, m, 'DELETED'])));
      });
    });

  withCommon(user.command('list'))
    .alias('ls')
    .description('list SCRAM users and their mechanisms')
    .addHelpText('after', '\nExample:\n  samsa user list --format json\n')
    .action(async (o: Common) => {
      await session(o, async (_c, admin) => {
        const users = (await admin.security.describeUserScramCredentials(null)).filter((u) => u.errorCode === 0).sort((a, b) => a.user.localeCompare(b.user));
        if (isJson(o)) json(users.map((u) => ({ user: u.user, credentials: u.credentials })));
        else out(table(['USER', 'MECHANISM', 'ITERATIONS'], users.flatMap((u) => u.credentials.map((c) => [u.user, c.mechanism, c.iterations]))));
      });
    });
  return user;
}

// ---------------------------------------------------------------- quotas

const ENTITY_TYPES = ['user', 'client-id', 'ip'];

export interface QuotaEntityFlags {
  name?: string[];
  clientId?: string[];
  default?: string[];
  any?: string[];
}

function entityType(t: string): string {
  if (!ENTITY_TYPES.includes(t)) throw new CliError(`bad quota entity type "${t}": expected ${ENTITY_TYPES.join(', ')}`);
  return t;
}

/** --name user=alice, --client-id c1, --default client-id: the parts of one quota entity. */
export function quotaEntity(o: QuotaEntityFlags): QuotaEntityPart[] {
  const parts: QuotaEntityPart[] = [
    ...(o.name ?? []).map((s) => {
      const [t, n] = parseKeyValue(s, '--name');
      return { entityType: entityType(t), name: n };
    }),
    ...(o.clientId ?? []).map((n) => ({ entityType: 'client-id', name: n })),
    ...(o.default ?? []).map((t) => ({ entityType: entityType(t), name: null })),
  ];
  const types = parts.map((p) => p.entityType);
  if (new Set(types).size !== types.length) throw new CliError(`one quota entity takes each type once (got ${types.join(', ')})`);
  return parts;
}

function quotaFilter(o: QuotaEntityFlags): QuotaFilterPart[] {
  return [
    ...quotaEntity({ ...o, any: [] }).map((p): QuotaFilterPart => ({ entityType: p.entityType, match: p.name === null ? 'default' : { exact: p.name } })),
    ...(o.any ?? []).map((t): QuotaFilterPart => ({ entityType: entityType(t), match: 'any' })),
  ];
}

const entityText = (e: QuotaEntityPart[]): string => e.map((p) => `${p.entityType}=${p.name ?? '<default>'}`).join(', ');

function withEntityFlags(cmd: Command, describe: boolean): Command {
  cmd
    .option('--name <type=name>', `an entity: ${ENTITY_TYPES.map((t) => `${t}=NAME`).join(', ')} (repeatable for user and client-id together)`, collect, [])
    .option('--client-id <id>', 'the same as --name client-id=ID', collect, [])
    .option('--default <type>', `the default entity of this type (${ENTITY_TYPES.join(', ')}), repeatable`, collect, []);
  if (describe) cmd.option('--any <type>', 'every named entity of this type, repeatable', collect, []).option('--strict', 'only entities with exactly the types given');
  return cmd;
}

function quotaCommands(): Command {
  const quota = new Command('quota').description('client quotas: producer_byte_rate, consumer_byte_rate, request_percentage, ...');

  withEntityFlags(withCommon(quota.command('alter')), false)
    .description('set (--add) or remove (--delete) quotas of one entity')
    .option('--add <key=value>', 'set a quota, repeatable (producer_byte_rate=1048576)', collect, [])
    .option('--delete <key>', 'remove a quota, repeatable', collect, [])
    .option('--dry-run', 'validate only')
    .addHelpText('after', '\nThe SASL user is --user, as on every command: a quota\'s user is --name user=NAME (rpk\'s flag).\n\nExamples:\n  samsa quota alter --name user=alice --add producer_byte_rate=1048576\n  samsa quota alter --client-id loader --delete consumer_byte_rate\n  samsa quota alter --default client-id --add consumer_byte_rate=2097152\n')
    .action(async (o: Common & QuotaEntityFlags & { add: string[]; delete: string[]; dryRun?: boolean }) => {
      const entity = quotaEntity(o);
      if (entity.length === 0) throw new CliError('give an entity: --name user=NAME, --name client-id=ID, --client-id ID or --default TYPE');
      const set: Record<string, number> = {};
      for (const s of o.add) {
        const [k, v] = parseKeyValue(s, '--add');
        const n = Number(v);
        if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new CliError(`bad quota value "${s}": expected a non-negative number`);
        set[k] = n;
      }
      if (o.add.length === 0 && o.delete.length === 0) throw new CliError('give --add key=value or --delete key');
      await session(o, async (_c, admin) => {
        const [r] = await admin.security.alterClientQuotas([{ entity, set, remove: o.delete }], !!o.dryRun);
        if (!r || r.errorCode !== 0) throw new CliError(`cannot alter quotas of ${entityText(entity)}: ${r?.error ?? 'no result from the broker'}`);
        const rows = [...Object.entries(set).map(([k, v]) => ({ key: k, value: v as number | null, status: 'SET' })), ...o.delete.map((k) => ({ key: k, value: null, status: 'DELETED' }))];
        if (isJson(o)) json({ entity, changes: rows, dryRun: !!o.dryRun });
        else out(table(['ENTITY', 'KEY', 'VALUE', 'STATUS'], rows.map((x) => [entityText(entity), x.key, x.value, o.dryRun ? `${x.status} (dry run)` : x.status])));
      });
    });

  withEntityFlags(withCommon(quota.command('describe')), true)
    .description('show quotas (of the entities matched, or of every entity)')
    .addHelpText('after', '\nExamples:\n  samsa quota describe\n  samsa quota describe --name user=alice --format json\n  samsa quota describe --any client-id\n')
    .action(async (o: Common & QuotaEntityFlags & { strict?: boolean }) => {
      const filter = quotaFilter(o);
      await session(o, async (_c, admin) => {
        let entries;
        try {
          entries = await admin.security.describeClientQuotas(filter, !!o.strict);
        } catch (e) {
          if (e instanceof KafkaError) throw new CliError(`cannot describe quotas: ${e.message.replace(/^DescribeClientQuotas: /, '')}`);
          throw e;
        }
        entries.sort((a, b) => entityText(a.entity).localeCompare(entityText(b.entity)));
        if (isJson(o)) json(entries);
        else out(table(['ENTITY', 'KEY', 'VALUE'], entries.flatMap((e) => Object.entries(e.values).sort().map(([k, v]) => [entityText(e.entity), k, v]))));
      });
    });
  return quota;
}

/** The commands this file adds, for the program in commands.ts. */
export function securityCommands(): Command[] {
  return [userCommands(), aclCommands(), quotaCommands()];
}

