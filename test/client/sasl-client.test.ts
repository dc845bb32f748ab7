// The SCRAM client against RFC 7677's test vector and against the broker's own SCRAM server;
// a server that does not know the password, a nonce that does not extend the client's and a
// downgrade of the iteration count are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScramClient } from '../../src/client/sasl-client.js';
import { ClientError } from '../../src/client/util.js';
import { newCredential, ScramServer } from '../../src/server/security/scram.js';

const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';

test('RFC 7677 SCRAM-SHA-256 test vector: client-first, client-final with its proof, server signature accepted', () => {
  const c = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
  assert.equal(c.first().toString(), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
  const final = c.next(Buffer.from(SERVER_FIRST));
  assert.equal(final?.toString(), 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
  assert.equal(c.complete, false);
  assert.equal(c.next(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')), null);
  assert.equal(c.complete, true);
});

test('a wrong server signature is refused: that server does not know the password', () => {
  const c = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
  c.first();
  c.next(Buffer.from(SERVER_FIRST));
  assert.throws(() => c.next(Buffer.from('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')), (e: unknown) => e instanceof ClientError && e.code === 'SASL_AUTHENTICATION_FAILED' && /server signature/.test(e.message));
  assert.equal(c.complete, false);
});

test('a server-first whose nonce does not extend the client\'s, or with too few iterations, is refused', () => {
  const other = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
  other.first();
  assert.throws(() => other.next(Buffer.from('r=somebodyElse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')), /nonce/);
  const weak = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
  weak.first();
  assert.throws(() => weak.next(Buffer.from('r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1')), /iterations/);
  const failed = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
  failed.first();
  assert.throws(() => failed.next(Buffer.from('e=unknown-user')), /unknown-user/);
});

test('user names with "," and "=" are escaped (RFC 5802 saslname)', () => {
  const c = new ScramClient('SCRAM-SHA-512', 'a,b=c', 'x', 'nonce');
  assert.equal(c.first().toString(), 'n,,n=a=2Cb=3Dc,r=nonce');
});

for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
  test(`${mechanism} against the broker's SCRAM server: the right password authenticates, a wrong one does not`, () => {
    const cred = newCredential(mechanism, 'pa,ss=wörd', 8192);
    const lookup = (u: string) => (u === 'a,b' ? cred : undefined);
    const server = new ScramServer(mechanism, lookup);
    const c = new ScramClient(mechanism, 'a,b', 'pa,ss=wörd');
    const s1 = server.evaluate(c.first());
    assert.equal(s1.done, false);
    assert.match(s1.challenge.toString(), /,i=8192$/);
    const s2 = server.evaluate(c.next(s1.challenge)!);
    assert.equal(s2.done, true);
    assert.equal(s2.done && s2.user, 'a,b');
    assert.equal(c.next(s2.challenge), null);
    assert.equal(c.complete, true);

    const wrongServer = new ScramServer(mechanism, lookup);
    const w = new ScramClient(mechanism, 'a,b', 'password');
    const w1 = wrongServer.evaluate(w.first());
    assert.throws(() => wrongServer.evaluate(w.next(w1.challenge)!), /Invalid client credentials/);
  });
}
