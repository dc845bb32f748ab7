// AlterUserScramCredentials: v0. Behaviour: upserts (the client's salt and salted password; the
// broker keeps salt, stored key, server key and iterations as Kafka's ScramCredential) and
// deletes SCRAM credentials, one result per user; ALTER on the cluster is needed. Kafka's checks:
// an unknown mechanism UNSUPPORTED_SASL_MECHANISM, iterations outside 4096-16384 or an empty
// name UNACCEPTABLE_CREDENTIAL, a user altered twice for one mechanism DUPLICATE_RESOURCE,
// deleting a credential that does not exist RESOURCE_NOT_FOUND.
import type { EntityConfigChange } from '../../cluster/security-store.js';
import { ErrorCode } from '../../protocol/errors.js';
import { AlterUserScramCredentials } from '../../protocol/messages/index.js';
import { BrokerSecurity } from '../../server/security/broker-security.js';
import {
  SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, credentialFromSalted, credentialToString, scramMechanismById,
} from '../../server/security/scram.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';

export const alterUserScramCredentialsHandler = defineHandler(AlterUserScramCredentials, { min: 0, max: 0 }, async (ctx, req) => {
  const users = [...new Set([...req.deletions.map((d) => d.name), ...req.upsertions.map((u) => u.name)])];
  if (!allowedCluster(ctx, AclOp.ALTER)) return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })) };
  const errors = new Map<string, { errorCode: number; errorMessage: string }>();
  const fail = (user: string, errorCode: number, errorMessage: string) => {
    if (!errors.has(user)) errors.set(user, { errorCode, errorMessage });
  };
  const seen = new Map<string, number>();
  for (const k of [...req.deletions, ...req.upsertions].map((x) => `${x.name}\u0000${x.mechanism}`)) seen.set(k, (seen.get(k) ?? 0) + 1);
  const current = ctx.security.store.entityConfigs();
  const changes = new Map<string, { set: Record<string, string>; remove: string[] }>();
  const change = (user: string) => {
    let c = changes.get(user);
    if (!c) changes.set(user, (c = { set: {}, remove: [] }));
    return c;
  };
  for (const d of req.deletions) {
    const mech = scramMechanismById(d.mechanism);
    if (d.name === '') fail(d.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
    else if (!mech) fail(d.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
    else if (seen.get(`${d.name}\u0000${d.mechanism}`)! > 1) fail(d.name, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
    else if (!current.get(BrokerSecurity.userPath(d.name))?.[mech]) fail(d.name, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
    else change(d.name).remove.push(mech);
  }
  for (const u of req.upsertions) {
    const mech = scramMechanismById(u.mechanism);
    if (u.name === '') fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
    else if (!mech) fail(u.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
    else if (seen.get(`${u.name}\u0000${u.mechanism}`)! > 1) fail(u.name, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
    else if (u.iterations < SCRAM_MIN_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations');
    else if (u.iterations > SCRAM_MAX_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations');
    else if (u.salt.length === 0 || u.saltedPassword.length === 0) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt and salted password must not be empty');
    else change(u.name).set[mech] = credentialToString(credentialFromSalted(mech, Buffer.from(u.salt), Buffer.from(u.saltedPassword), u.iterations));
  }
  // A user with any error changes nothing, as Kafka applies each user's alterations together.
  const apply: EntityConfigChange[] = [...changes].filter(([user]) => !errors.has(user)).map(([user, c]) => ({ path: BrokerSecurity.userPath(user), set: c.set, remove: c.remove }));
  let failure: string | null = null;
  if (apply.length > 0) {
    try {
      await ctx.security.store.alterEntityConfigs(apply);
    } catch (err) {
      failure = (err as Error).message;
    }
  }
  return {
    throttleTimeMs: 0,
    results: users.map((user) => {
      const e = errors.get(user);
      if (e) return { user, ...e };
      return failure !== null ? { user, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: failure } : { user, errorCode: ErrorCode.NONE, errorMessage: null };
    }),
  };
});
