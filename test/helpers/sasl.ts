/**
 * SASL from the client side for wire-level tests: SaslHandshake + SaslAuthenticate with PLAIN or
 * SCRAM-SHA-256/512 (RFC 5802), over a WireClient; and helpers that create SCRAM users.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { AlterUserScramCredentials, SaslAuthenticate, SaslHandshake } from '../../src/protocol/index.js';
import { SCRAM_MECHANISM_ID, saltedPassword, type ScramMechanism } from '../../src/server/security/scram.js';
import type { WireClient } from './wire-client.js';

export type Mechanism = 'PLAIN' | ScramMechanism;

/** Authenticates; resolves with the last SaslAuthenticate error code (0 on success). */
export async function authenticate(c: WireClient, mechanism: Mechanism, user: string, password: string): Promise<{ errorCode: number; errorMessage: string | null; sessionLifetimeMs: number }> {
  const hs = await c.request(SaslHandshake, 1, { mechanism });
  if (hs.errorCode !== 0) return { errorCode: hs.errorCode, errorMessage: null, sessionLifetimeMs: 0 };
  if (mechanism === 'PLAIN') {
    const r = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${password}`) });
    return r;
  }
  const hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const nonce = randomBytes(18).toString('base64');
  const bare = `n=${user},r=${nonce}`;
  const first = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from(`n,,${bare}`) });
  if (first.errorCode !== 0) return first;
  const serverFirst = first.authBytes.toString();
  const attrs = new Map(serverFirst.split(',').map((p) => [p[0]!, p.slice(2)] as const));
  const salted = saltedPassword(mechanism, password, Buffer.from(attrs.get('s')!, 'base64'), Number(attrs.get('i')));
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  const storedKey = createHash(hash).update(clientKey).digest();
  const withoutProof = `c=biws,r=${attrs.get('r')}`;
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const signature = createHmac(hash, storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  return c.request(SaslAuthenticate, 2, { authBytes: Buffer.from(`${withoutProof},p=${proof.toString('base64')}`) });
}

/** Creates (or replaces) SCRAM credentials; resolves with each user's error code. */
export async function upsertScramUsers(c: WireClient, users: ReadonlyArray<{ name: string; password: string; mechanism: ScramMechanism; iterations?: number }>): Promise<number[]> {
  const r = await c.request(AlterUserScramCredentials, 0, {
    deletions: [],
    upsertions: users.map((u) => {
      const salt = randomBytes(24);
      const iterations = u.iterations ?? 4096;
      return { name: u.name, mechanism: SCRAM_MECHANISM_ID[u.mechanism], iterations, salt, saltedPassword: saltedPassword(u.mechanism, u.password, salt, iterations) };
    }),
  });
  return r.results.map((x) => x.errorCode);
}
