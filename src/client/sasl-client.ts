// The client side of SASL as Kafka's clients speak it: PLAIN (RFC 4616) and SCRAM-SHA-256/512
// (RFC 5802, RFC 7677), carried by SaslHandshake v1 + SaslAuthenticate after ApiVersions. The
// server's signature is checked, so a broker that does not know the password cannot pose as one
// that does. No SASLprep: Kafka's ScramFormatter sends the password's UTF-8 bytes as they are,
// and a client that normalised them would fail against every Kafka broker.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SaslAuthenticate, SaslHandshake } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { SCRAM_MIN_ITERATIONS, saltedPassword, type ScramMechanism } from '../server/security/scram.js';
import { ClientError, KafkaError } from './util.js';
import type { Connection } from './connection.js';

export type SaslMechanism = 'PLAIN' | ScramMechanism;
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

export interface SaslOptions {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

export function isSaslMechanism(s: string): s is SaslMechanism {
  return (SASL_MECHANISMS as readonly string[]).includes(s);
}

/** One mechanism's side of the exchange: the first message, then one answer per challenge. */
interface Exchange {
  first(): Buffer;
  /** The next message, or null when the exchange is over (the challenge was the server's last). */
  next(challenge: Buffer): Buffer | null;
}

class PlainExchange implements Exchange {
  constructor(private readonly username: string, private readonly password: string) {}
  first(): Buffer {
    return Buffer.from(`\u0000${this.username}\u0000${this.password}`, 'utf8');
  }
  next(): null {
    return null;
  }
}

/** RFC 5802 saslname: "," and "=" would end the attribute, so they are escaped. */
const saslName = (s: string): string => s.replace(/=/g, '=3D').replace(/,/g, '=2C');

export class ScramError extends ClientError {
  constructor(message: string) {
    super('SASL_AUTHENTICATION_FAILED', message, false);
  }
}

function parseAttributes(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of msg.split(',')) {
    if (part.length < 2 || part[1] !== '=') throw new ScramError(`malformed SCRAM message from the broker: "${msg.slice(0, 80)}"`);
    out.set(part[0]!, part.slice(2));
  }
  return out;
}

/** The client's three steps of RFC 5802: client-first, client-final, and the server-final check. */
export class ScramClient implements Exchange {
  private readonly hash: 'sha256' | 'sha512';
  private readonly clientFirstBare: string;
  private state: 'first' | 'final' | 'verify' | 'done' = 'first';
  private expectedServerSignature: Buffer | null = null;

  constructor(
    readonly mechanism: ScramMechanism,
    username: string,
    private readonly password: string,
    private readonly nonce: string = randomBytes(24).toString('base64url'),
  ) {
    this.hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
    this.clientFirstBare = `n=${saslName(username)},r=${nonce}`;
  }

  get complete(): boolean {
    return this.state === 'done';
  }

  first(): Buffer {
    if (this.state !== 'first') throw new ScramError('SCRAM exchange already started');
    this.state = 'final';
    // gs2 header "n,,": no channel binding, no authorization id (Kafka rejects one that differs).
    return Buffer.from(`n,,${this.clientFirstBare}`, 'utf8');
  }

  next(challenge: Buffer): Buffer | null {
    if (this.state === 'final') return this.clientFinal(challenge);
    if (this.state === 'verify') {
      this.verify(challenge);
      return null;
    }
    throw new ScramError('unexpected SCRAM challenge after the exchange completed');
  }

  private clientFinal(serverFirstBytes: Buffer): Buffer {
    const serverFirst = serverFirstBytes.toString('utf8');
    const attrs = parseAttributes(serverFirst);
    if (attrs.has('e')) throw new ScramError(`the broker ended the SCRAM exchange: ${attrs.get('e')}`);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce || !salt || !Number.isInteger(iterations)) throw new ScramError(`malformed SCRAM server-first message: "${serverFirst.slice(0, 80)}"`);
    // A nonce that does not extend ours is a replay or a different exchange.
    if (!nonce.startsWith(this.nonce) || nonce.length === this.nonce.length) throw new ScramError('the broker\'s SCRAM nonce does not extend the client\'s');
    // Kafka's ScramSaslClient refuses fewer iterations than the mechanism's minimum: a weak hash could be forced on the client.
    if (iterations < SCRAM_MIN_ITERATIONS) throw new ScramError(`the broker asked for ${iterations} SCRAM iterations, fewer than the minimum ${SCRAM_MIN_ITERATIONS}`);
    const salted = saltedPassword(this.mechanism, this.password, Buffer.from(salt, 'base64'), iterations);
    const clientKey = this.hmac(salted, 'Client Key');
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = this.hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.expectedServerSignature = this.hmac(this.hmac(salted, 'Server Key'), authMessage);
    this.state = 'verify';
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  private verify(serverFinalBytes: Buffer): void {
    const attrs = parseAttributes(serverFinalBytes.toString('utf8'));
    if (attrs.has('e')) throw new ScramError(`the broker ended the SCRAM exchange: ${attrs.get('e')}`);
    const v = Buffer.from(attrs.get('v') ?? '', 'base64');
    const expected = this.expectedServerSignature!;
    if (v.length !== expected.length || !timingSafeEqual(v, expected)) throw new ScramError('the broker\'s SCRAM server signature is wrong: it does not know this user\'s credentials');
    this.state = 'done';
  }

  private hmac(key: Buffer, data: string): Buffer {
    return createHmac(this.hash, key).update(data, 'utf8').digest();
  }
}

function exchangeFor(o: SaslOptions): Exchange {
  if (o.mechanism === 'PLAIN') return new PlainExchange(o.username, o.password);
  return new ScramClient(o.mechanism, o.username, o.password);
}

/**
 * Authenticates a connection that has negotiated API versions. Resolves with the session lifetime
 * the broker gave (KIP-368; 0: none). Kafka's error codes become KafkaError with the broker's message.
 */
export async function authenticate(conn: Connection, o: SaslOptions, timeoutMs: () => number): Promise<number> {
  const hsVersion = Math.min(conn.versionFor(SaslHandshake), 1);
  const authVersion = conn.versionFor(SaslAuthenticate);
  if (hsVersion < 1 || authVersion < 0) {
    throw new ClientError('UNSUPPORTED_VERSION', `broker ${conn.address} does not support SaslHandshake v1 and SaslAuthenticate, so it cannot authenticate with SASL`);
  }
  const hs = await conn.sendAt(SaslHandshake, hsVersion, { mechanism: o.mechanism }, { timeoutMs: timeoutMs() });
  if (hs.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
    throw new KafkaError(hs.errorCode, `SASL with ${conn.address}`, `the broker does not enable ${o.mechanism}; it enables ${hs.mechanisms.join(', ') || 'none'}`);
  }
  if (hs.errorCode === ErrorCode.ILLEGAL_SASL_STATE) {
    throw new KafkaError(hs.errorCode, `SASL with ${conn.address}`, 'the listener does not use SASL; connect without a SASL mechanism, user and password');
  }
  if (hs.errorCode !== 0) throw new KafkaError(hs.errorCode, `SaslHandshake with ${conn.address}`);
  const ex = exchangeFor(o);
  let msg: Buffer | null = ex.first();
  let lifetime = 0;
  while (msg !== null) {
    const r = await conn.sendAt(SaslAuthenticate, Math.min(authVersion, 2), { authBytes: msg }, { timeoutMs: timeoutMs() });
    if (r.errorCode !== 0) throw new KafkaError(r.errorCode, `SASL ${o.mechanism} authentication of ${o.username} with ${conn.address}`, r.errorMessage);
    lifetime = Number(r.sessionLifetimeMs ?? 0);
    msg = ex.next(Buffer.from(r.authBytes));
  }
  if (ex instanceof ScramClient && !ex.complete) throw new ScramError(`the SCRAM exchange with ${conn.address} ended early`);
  return lifetime;
}
