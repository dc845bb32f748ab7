// Kafka's ACL authorizer (AclAuthorizer / StandardAuthorizer semantics): a request is allowed
// when the principal is a super user, or no DENY binding matches and an ALLOW binding does;
// bindings match by literal name, the wildcard "*", or a prefix. READ, WRITE, DELETE and ALTER
// imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS. A resource no binding names is allowed
// only with allow.everyone.if.no.acl.found.
import {
  AclOp, AclPatternType, AclPermission, AclResourceType, WILDCARD_HOST, WILDCARD_PRINCIPAL, WILDCARD_RESOURCE,
  type AclBinding,
} from '../../cluster/security-store.js';

/** Who is asking, and from where. */
export interface Requester {
  readonly principal: string;
  /** The client's IP address. */
  readonly host: string;
}

export interface AuthorizerOptions {
  superUsers: readonly string[];
  allowEveryoneIfNoAclFound: boolean;
}

/** The operations a granted operation also allows (Kafka's implied operations). */
function grantingOps(op: number): number[] {
  if (op === AclOp.DESCRIBE) return [AclOp.DESCRIBE, AclOp.READ, AclOp.WRITE, AclOp.DELETE, AclOp.ALTER, AclOp.ALL];
  if (op === AclOp.DESCRIBE_CONFIGS) return [AclOp.DESCRIBE_CONFIGS, AclOp.ALTER_CONFIGS, AclOp.ALL];
  return [op, AclOp.ALL];
}

export class AclAuthorizer {
  private literal = new Map<string, AclBinding[]>();
  private prefixed = new Map<number, AclBinding[]>();
  private readonly superUsers: Set<string>;

  constructor(private readonly opts: AuthorizerOptions, acls: readonly AclBinding[] = []) {
    this.superUsers = new Set(opts.superUsers);
    this.load(acls);
  }

  /** Replaces the bindings (after a change to the stored ACLs). */
  load(acls: readonly AclBinding[]): void {
    const literal = new Map<string, AclBinding[]>();
    const prefixed = new Map<number, AclBinding[]>();
    for (const a of acls) {
      if (a.patternType === AclPatternType.PREFIXED) {
        const list = prefixed.get(a.resourceType) ?? [];
        list.push(a);
        prefixed.set(a.resourceType, list);
      } else {
        const k = `${a.resourceType}\u0000${a.resourceName}`;
        const list = literal.get(k) ?? [];
        list.push(a);
        literal.set(k, list);
      }
    }
    this.literal = literal;
    this.prefixed = prefixed;
  }

  isSuperUser(principal: string): boolean {
    return this.superUsers.has(principal);
  }

  /** Every binding whose pattern matches the resource. */
  private matching(resourceType: number, name: string): AclBinding[] {
    const out: AclBinding[] = [];
    const lit = this.literal.get(`${resourceType}\u0000${name}`);
    if (lit) out.push(...lit);
    if (name !== WILDCARD_RESOURCE) {
      const wild = this.literal.get(`${resourceType}\u0000${WILDCARD_RESOURCE}`);
      if (wild) out.push(...wild);
    }
    for (const p of this.prefixed.get(resourceType) ?? []) if (name.startsWith(p.resourceName)) out.push(p);
    return out;
  }

  authorize(who: Requester, operation: number, resourceType: number, name: string): boolean {
    if (this.superUsers.has(who.principal)) return true;
    const acls = this.matching(resourceType, name);
    const applies = (a: AclBinding) => (a.principal === who.principal || a.principal === WILDCARD_PRINCIPAL) && (a.host === who.host || a.host === WILDCARD_HOST);
    // DENY first: a denied operation (or ALL) wins over every allow.
    for (const a of acls) {
      if (a.permission === AclPermission.DENY && applies(a) && (a.operation === operation || a.operation === AclOp.ALL)) return false;
    }
    if (acls.length === 0 && this.opts.allowEveryoneIfNoAclFound) return true;
    const ops = grantingOps(operation);
    for (const a of acls) {
      if (a.permission === AclPermission.ALLOW && applies(a) && ops.includes(a.operation)) return true;
    }
    return false;
  }

  /**
   * Whether the principal may perform the operation on some resource of the type (Kafka's
   * authorizeByResourceType, which lets a producer with WRITE on any topic be idempotent): an
   * allowing binding not cancelled by a deny covering every name it covers.
   */
  authorizeByResourceType(who: Requester, operation: number, resourceType: number): boolean {
    if (this.superUsers.has(who.principal)) return true;
    const all: AclBinding[] = [...[...this.literal.values()].flat().filter((a) => a.resourceType === resourceType), ...(this.prefixed.get(resourceType) ?? [])];
    const applies = (a: AclBinding) => (a.principal === who.principal || a.principal === WILDCARD_PRINCIPAL) && (a.host === who.host || a.host === WILDCARD_HOST);
    const denies = all.filter((a) => a.permission === AclPermission.DENY && applies(a) && (a.operation === operation || a.operation === AclOp.ALL));
    if (denies.some((d) => d.patternType === AclPatternType.LITERAL && d.resourceName === WILDCARD_RESOURCE)) return false;
    const ops = grantingOps(operation);
    for (const a of all) {
      if (a.permission !== AclPermission.ALLOW || !applies(a) || !ops.includes(a.operation)) continue;
      const cancelled = denies.some((d) =>
        d.patternType === AclPatternType.PREFIXED ? a.resourceName.startsWith(d.resourceName) : a.patternType === AclPatternType.LITERAL && d.resourceName === a.resourceName);
      if (!cancelled) return true;
    }
    return this.opts.allowEveryoneIfNoAclFound && all.length === 0;
  }
}

/** An ACL filter of DescribeAcls / DeleteAcls. */
export interface AclFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permission: number;
}

/** Kafka's AclBindingFilter.matches. */
export function filterMatches(f: AclFilter, a: AclBinding): boolean {
  if (f.resourceType !== AclResourceType.ANY && f.resourceType !== a.resourceType) return false;
  if (f.patternType === AclPatternType.MATCH) {
    if (f.resourceName !== null) {
      const ok = a.patternType === AclPatternType.LITERAL
        ? a.resourceName === f.resourceName || a.resourceName === WILDCARD_RESOURCE
        : f.resourceName.startsWith(a.resourceName);
      if (!ok) return false;
    }
  } else {
    if (f.patternType !== AclPatternType.ANY && f.patternType !== a.patternType) return false;
    if (f.resourceName !== null && f.resourceName !== a.resourceName) return false;
  }
  if (f.principal !== null && f.principal !== a.principal) return false;
  if (f.host !== null && f.host !== a.host) return false;
  if (f.operation !== AclOp.ANY && f.operation !== a.operation) return false;
  if (f.permission !== AclPermission.ANY && f.permission !== a.permission) return false;
  return true;
}

/** Why a filter cannot be used (Kafka's AclBindingFilter.findIndefiniteField for unknown values), or null. */
export function filterProblem(f: AclFilter): string | null {
  if (f.resourceType === AclResourceType.UNKNOWN || f.resourceType > AclResourceType.USER) return 'unknown resource type';
  if (f.patternType === AclPatternType.UNKNOWN || f.patternType > AclPatternType.PREFIXED) return 'unknown pattern type';
  if (f.operation === AclOp.UNKNOWN || f.operation > AclOp.DESCRIBE_TOKENS) return 'unknown operation';
  if (f.permission === AclPermission.UNKNOWN || f.permission > AclPermission.ALLOW) return 'unknown permission type';
  return null;
}

/** Why a binding cannot be created (CreateAcls' INVALID_REQUEST), or null. */
export function bindingProblem(b: AclBinding): string | null {
  if (b.resourceType <= AclResourceType.ANY || b.resourceType > AclResourceType.USER) return 'Invalid resource type';
  if (b.patternType !== AclPatternType.LITERAL && b.patternType !== AclPatternType.PREFIXED) return 'Invalid pattern type';
  if (b.operation <= AclOp.ANY || b.operation > AclOp.DESCRIBE_TOKENS) return 'Invalid operation';
  if (b.permission !== AclPermission.ALLOW && b.permission !== AclPermission.DENY) return 'Invalid permission type';
  if (!/^[^:]+:.*$/.test(b.principal)) return `Could not parse principal from \`${b.principal}\` (no colon is present separating the principal type from the principal name)`;
  if (b.resourceName === '') return 'Resource name must not be empty';
  if (b.resourceType === AclResourceType.CLUSTER && (b.resourceName !== 'kafka-cluster' || b.patternType !== AclPatternType.LITERAL)) return 'The only valid name for the CLUSTER resource is kafka-cluster';
  if (b.patternType === AclPatternType.PREFIXED && b.resourceName === WILDCARD_RESOURCE) return 'A prefixed pattern cannot be the wildcard';
  return null;
}
