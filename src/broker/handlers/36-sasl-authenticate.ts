// SaslAuthenticate: v0-2. Behaviour: one step of the SASL exchange the handshake chose (PLAIN:
// one step; SCRAM: two). A failure is SASL_AUTHENTICATION_FAILED with Kafka's message, and the
// connection is closed once the answer is out. v1+: session_lifetime_ms is connections.max.reauth.ms
// (KIP-368), the time within which the client must re-authenticate.
import { SaslAuthenticate } from '../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

export const saslAuthenticateHandler = defineHandler(SaslAuthenticate, { min: 0, max: 2 }, (ctx, req) =>
  ctx.conn.session.authenticate(Buffer.from(req.authBytes), ctx.header.apiVersion));
