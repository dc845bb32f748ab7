// SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka implements them: credentials are
// salt, stored key, server key and iterations (ScramCredential), never the password; the server
// side of the exchange is ScramSaslServer's (client-first, server-first, client-final,
// server-final). Kafka's extensions (tokenauth) are accepted and ignored.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];
/** The mechanism ids of Describe/AlterUserScramCredentials. */
export const SCRAM_MECHANISM_ID: Record<ScramMechanism, number> = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 };
export const scramMechanismById = (id: number): ScramMechanism | undefined => (id === 1 ? 'SCRAM-SHA-256' : id === 2 ? 'SCRAM-SHA-512' : undefined);
/** Kafka's ScramMechanism.minIterations, and the largest AlterUserScramCredentials accepts. */
export const SCRAM_MIN_ITERATIONS = 4096;
export const SCRAM_MAX_ITERATIONS = 16384;

export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

const hashOf = (m: ScramMechanism): 'sha256' | 'sha512' => (m === 'SCRAM-SHA-256' ? 'sha256' : 'sha512');
const hmac = (m: ScramMechanism, key: Buffer, data: string | Buffer): Buffer => createHmac(hashOf(m), key).update(data).digest();
const hash = (m: ScramMechanism, data: Buffer): Buffer => createHash(hashOf(m)).update(data).digest();

export function saltedPassword(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, m === 'SCRAM-SHA-256' ? 32 : 64, hashOf(m));
}

/** The stored form of a salted password (what AlterUserScramCredentials carries). */
export function credentialFromSalted(m: ScramMechanism, salt: Buffer, salted: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(m, salted, 'Client Key');
  return { salt: Buffer.from(salt), storedKey: hash(m, clientKey), serverKey: hmac(m, salted, 'Server Key'), iterations };
}

export function newCredential(m: ScramMechanism, password: string, iterations = SCRAM_MIN_ITERATIONS): ScramCredential {
  const salt = randomBytes(32);
  return credentialFromSalted(m, salt, saltedPassword(m, password, salt, iterations), iterations);
}

/** Kafka's ScramCredentialUtils.credentialToString, the form /config/users/<user> holds. */
export function credentialToString(c: ScramCredential): string {
  return `salt=${c.salt.toString('base64')},stored_key=${c.storedKey.toString('base64')},server_key=${c.serverKey.toString('base64')},iterations=${c.iterations}`;
}

export function credentialFromString(s: string): ScramCredential | null {
  const kv = new Map(s.split(',').map((p) => {
    const i = p.indexOf('=');
    return [p.slice(0, i), p.slice(i + 1)] as const;
  }));
  const salt = kv.get('salt');
  const storedKey = kv.get('stored_key');
  const serverKey = kv.get('server_key');
  const iterations = Number(kv.get('iterations'));
  if (!salt || !storedKey || !serverKey || !Number.isInteger(iterations)) return null;
  return { salt: Buffer.from(salt, 'base64'), storedKey: Buffer.from(storedKey, 'base64'), serverKey: Buffer.from(serverKey, 'base64'), iterations };
}

/** RFC 5802 saslname: "=2C" is ",", "=3D" is "=". */
function decodeSaslName(s: string): string {
  if (/=(?!2C|3D)/.test(s)) throw new ScramError('invalid username');
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

export class ScramError extends Error {}

function attributes(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of msg.split(',')) {
    if (part.length < 2 || part[1] !== '=') throw new ScramError(`invalid SCRAM message attribute "${part.slice(0, 20)}"`);
    out.set(part[0]!, part.slice(2));
  }
  return out;
}

export type ScramStep = { done: false; challenge: Buffer } | { done: true; challenge: Buffer; user: string };

/** One server-side SCRAM exchange. */
export class ScramServer {
  private state: 'first' | 'final' | 'done' = 'first';
  private user = '';
  private credential: ScramCredential | null = null;
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';

  constructor(private readonly mechanism: ScramMechanism, private readonly lookup: (user: string) => ScramCredential | undefined) {}

  /** Evaluates a client message; throws ScramError when authentication fails. */
  evaluate(response: Buffer): ScramStep {
    const msg = response.toString('utf8');
    if (this.state === 'first') {
      // gs2-header: "n,," or "y,," (no channel binding), optionally "n,a=authzid,".
      const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(msg);
      if (!m) throw new ScramError('invalid SCRAM client-first message');
      const bare = m[3]!;
      const attrs = attributes(bare);
      const user = decodeSaslName(attrs.get('n') ?? '');
      const clientNonce = attrs.get('r');
      if (!user || !clientNonce) throw new ScramError('invalid SCRAM client-first message');
      const authzid = m[2] ? decodeSaslName(m[2].slice(2)) : '';
      if (authzid !== '' && authzid !== user) throw new ScramError('Authentication failed: Client requested an authorization id that is different from username');
      const cred = this.lookup(user);
      if (!cred) throw new ScramError('Authentication failed: Invalid user credentials');
      this.user = user;
      this.credential = cred;
      this.clientFirstBare = bare;
      this.nonce = clientNonce + randomBytes(18).toString('base64url');
      this.serverFirst = `r=${this.nonce},s=${cred.salt.toString('base64')},i=${cred.iterations}`;
      this.state = 'final';
      return { done: false, challenge: Buffer.from(this.serverFirst, 'utf8') };
    }
    if (this.state === 'final') {
      const i = msg.lastIndexOf(',p=');
      if (i < 0) throw new ScramError('invalid SCRAM client-final message');
      const withoutProof = msg.slice(0, i);
      const attrs = attributes(withoutProof);
      // Kafka checks that the nonce ends with the server's (ScramSaslServer), not equality:
      // librdkafka up to 2.x sends the client nonce twice, and Kafka accepts it.
      if (!(attrs.get('r') ?? '').endsWith(this.nonce)) throw new ScramError('Invalid client nonce in the final client message.');
      const proof = Buffer.from(msg.slice(i + 3), 'base64');
      const m = this.mechanism;
      const cred = this.credential!;
      const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
      const clientSignature = hmac(m, cred.storedKey, authMessage);
      if (proof.length !== clientSignature.length) throw new ScramError('Invalid client credentials');
      const clientKey = Buffer.alloc(proof.length);
      for (let k = 0; k < proof.length; k++) clientKey[k] = proof[k]! ^ clientSignature[k]!;
      if (!timingSafeEqual(hash(m, clientKey), cred.storedKey)) throw new ScramError('Invalid client credentials');
      const serverSignature = hmac(m, cred.serverKey, authMessage);
      this.state = 'done';
      return { done: true, challenge: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), user: this.user };
    }
    throw new ScramError('SCRAM exchange already complete');
  }
}
