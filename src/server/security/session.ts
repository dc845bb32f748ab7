// One connection's security state, as Kafka's SaslServerAuthenticator and KafkaChannel keep it:
// the listener and its protocol, the principal (ANONYMOUS, the TLS certificate's subject, or the
// SASL user), and the SASL exchange. On a SASL listener nothing but ApiVersions and the SASL
// requests is served before authentication; any other request closes the connection, as Kafka
// closes it (IllegalSaslStateException). A failed authentication is answered, then closed.
// KIP-368: with connections.max.reauth.ms the session expires; a client re-authenticates with a
// new SaslHandshake + SaslAuthenticate (same principal), and a request after expiry closes.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ScramError, ScramServer, type ScramCredential, type ScramMechanism } from './scram.js';
import { ANONYMOUS, userPrincipal } from './principal.js';
import type { SecurityProtocol } from './listeners.js';

export const SASL_HANDSHAKE_KEY = 17;
export const SASL_AUTHENTICATE_KEY = 36;
const API_VERSIONS_KEY = 18;

export type SaslMechanism = 'PLAIN' | ScramMechanism;
export const SUPPORTED_SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** What a SASL listener authenticates against. */
export interface SaslSettings {
  readonly mechanisms: readonly SaslMechanism[];
  /** PLAIN users and passwords (the listener's PlainLoginModule user_<name> options). */
  readonly plainUsers: ReadonlyMap<string, string>;
  /** SCRAM credentials, from the cluster metadata. */
  scramCredential(mechanism: ScramMechanism, user: string): ScramCredential | undefined;
  /** connections.max.reauth.ms; 0: sessions never expire. */
  readonly reauthMs: number;
  readonly maxReceiveSize: number;
}

export interface ListenerSecurity {
  readonly name: string;
  readonly protocol: SecurityProtocol;
  readonly sasl: SaslSettings | null;
}

type State = 'initial' | 'handshaken' | 'raw-token' | 'complete' | 'failed';

interface Exchange {
  readonly mechanism: SaslMechanism;
  readonly scram: ScramServer | null;
}

export interface HandshakeResult {
  errorCode: number;
  mechanisms: string[];
}

export interface AuthenticateResult {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: number;
}

const ERR = { NONE: 0, UNSUPPORTED_SASL_MECHANISM: 33, ILLEGAL_SASL_STATE: 34, SASL_AUTHENTICATION_FAILED: 58 } as const;

export class Session {
  principal: string = ANONYMOUS;
  /** The SASL mechanism that authenticated the principal. */
  mechanism: SaslMechanism | null = null;
  private state: State;
  private exchange: Exchange | null = null;
  private expiresAt = Infinity;
  private reauthenticating = false;
  /** Set when the connection must be closed once the current response is written. */
  closeAfterResponse = false;

  constructor(readonly listener: ListenerSecurity, readonly clientHost: string, private readonly now: () => number) {
    this.state = listener.sasl ? 'initial' : 'complete';
  }

  get authenticated(): boolean {
    return this.state === 'complete';
  }

  /** After SaslHandshake v0 the client sends bare SASL tokens, not Kafka requests. */
  get expectsRawToken(): boolean {
    return this.state === 'raw-token';
  }

  /**
   * Whether a request of this API may be served now. False: Kafka closes the connection (a request
   * before authentication, or after the session expired).
   */
  mayServe(apiKey: number): boolean {
    switch (this.state) {
      case 'initial':
        return apiKey === API_VERSIONS_KEY || apiKey === SASL_HANDSHAKE_KEY;
      case 'handshaken':
        return apiKey === SASL_AUTHENTICATE_KEY;
      case 'raw-token':
      case 'failed':
        return false;
      case 'complete':
        if (this.reauthenticating) return apiKey === SASL_AUTHENTICATE_KEY;
        if (apiKey === SASL_HANDSHAKE_KEY || apiKey === API_VERSIONS_KEY) return true;
        return this.now() < this.expiresAt;
    }
  }

  handshake(mechanism: string, version: number): HandshakeResult {
    const sasl = this.listener.sasl;
    const mechanisms = sasl ? [...sasl.mechanisms] : [];
    if (!sasl) return { errorCode: ERR.ILLEGAL_SASL_STATE, mechanisms };
    if (this.state === 'complete') {
      // KIP-368 re-authentication: the same mechanism, on a v1+ handshake.
      if (version < 1 || mechanism !== this.mechanism) return this.fail({ errorCode: ERR.ILLEGAL_SASL_STATE, mechanisms });
      this.reauthenticating = true;
      this.exchange = { mechanism: this.mechanism, scram: this.newScram(this.mechanism) };
      return { errorCode: ERR.NONE, mechanisms };
    }
    if (this.state !== 'initial') return this.fail({ errorCode: ERR.ILLEGAL_SASL_STATE, mechanisms });
    if (!(sasl.mechanisms as readonly string[]).includes(mechanism)) return this.fail({ errorCode: ERR.UNSUPPORTED_SASL_MECHANISM, mechanisms });
    const m = mechanism as SaslMechanism;
    this.exchange = { mechanism: m, scram: this.newScram(m) };
    this.state = version === 0 ? 'raw-token' : 'handshaken';
    return { errorCode: ERR.NONE, mechanisms };
  }

  private newScram(m: SaslMechanism): ScramServer | null {
    if (m === 'PLAIN') return null;
    return new ScramServer(m, (user) => this.listener.sasl!.scramCredential(m, user));
  }

  /** SaslAuthenticate: one step of the exchange. */
  authenticate(authBytes: Buffer, version: number): AuthenticateResult {
    const reply = (errorCode: number, errorMessage: string | null, bytes: Buffer = Buffer.alloc(0), sessionLifetimeMs = 0): AuthenticateResult => ({ errorCode, errorMessage, authBytes: bytes, sessionLifetimeMs });
    const sasl = this.listener.sasl;
    if (!sasl || !this.exchange || !(this.state === 'handshaken' || (this.state === 'complete' && this.reauthenticating))) {
      return this.fail(reply(ERR.ILLEGAL_SASL_STATE, 'Unexpected SaslAuthenticate request'));
    }
    if (authBytes.length > sasl.maxReceiveSize) return this.fail(reply(ERR.SASL_AUTHENTICATION_FAILED, 'SASL token too large'));
    let step: { done: boolean; challenge: Buffer; user?: string };
    try {
      step = this.evaluate(this.exchange, authBytes);
    } catch (err) {
      const detail = err instanceof ScramError || err instanceof PlainError ? err.message : 'Authentication failed';
      return this.fail(reply(ERR.SASL_AUTHENTICATION_FAILED, `Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.exchange.mechanism}: ${detail}`));
    }
    if (!step.done) return reply(ERR.NONE, null, step.challenge);
    const principal = userPrincipal(step.user!);
    if (this.reauthenticating && principal !== this.principal) {
      return this.fail(reply(ERR.SASL_AUTHENTICATION_FAILED, `Cannot change principals during re-authentication from ${this.principal}: ${principal}`));
    }
    this.complete(principal, this.exchange.mechanism);
    // A v0 client cannot re-authenticate; it is still disconnected when the session expires.
    return reply(ERR.NONE, null, step.challenge, version >= 1 && sasl.reauthMs > 0 ? sasl.reauthMs : 0);
  }

  /** A bare SASL token after SaslHandshake v0; the answer is a bare token too. Null: close. */
  rawToken(token: Buffer): Buffer | null {
    if (this.state !== 'raw-token' || !this.exchange) return null;
    try {
      const step = this.evaluate(this.exchange, token);
      if (step.done) this.complete(userPrincipal(step.user!), this.exchange.mechanism);
      return step.challenge;
    } catch {
      this.state = 'failed';
      return null;
    }
  }

  private complete(principal: string, mechanism: SaslMechanism): void {
    this.principal = principal;
    this.mechanism = mechanism;
    this.state = 'complete';
    this.reauthenticating = false;
    this.exchange = null;
    const reauth = this.listener.sasl!.reauthMs;
    this.expiresAt = reauth > 0 ? this.now() + reauth : Infinity;
  }

  private evaluate(ex: Exchange, bytes: Buffer): { done: boolean; challenge: Buffer; user?: string } {
    if (ex.scram) return ex.scram.evaluate(bytes);
    return { done: true, challenge: Buffer.alloc(0), user: checkPlain(bytes, this.listener.sasl!.plainUsers) };
  }

  private fail<T>(result: T): T {
    this.state = 'failed';
    this.closeAfterResponse = true;
    return result;
  }
}

class PlainError extends Error {}

/** RFC 4616: [authzid] NUL authcid NUL passwd; the authorization id, if any, must be the user. */
function checkPlain(msg: Buffer, users: ReadonlyMap<string, string>): string {
  const parts = msg.toString('utf8').split('\u0000');
  if (parts.length !== 3) throw new PlainError('Invalid SASL/PLAIN response: expected 3 tokens');
  const [authzid, user, password] = parts as [string, string, string];
  if (user === '') throw new PlainError('Authentication failed: username not specified');
  if (password === '') throw new PlainError('Authentication failed: password not specified');
  const expected = users.get(user);
  if (expected === undefined || !constantTimeEquals(expected, password)) throw new PlainError('Authentication failed: Invalid username or password');
  if (authzid !== '' && authzid !== user) throw new PlainError('Authentication failed: Client requested an authorization id that is different from username');
  return user;
}

function constantTimeEquals(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The session of a connection on a PLAINTEXT listener: ANONYMOUS, nothing to authenticate. */
export function plaintextSession(clientHost = '127.0.0.1', listener = 'PLAINTEXT'): Session {
  return new Session({ name: listener, protocol: 'PLAINTEXT', sasl: null }, clientHost, () => Date.now());
}
