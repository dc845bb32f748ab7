// SaslHandshake: v0-1. Behaviour: selects the SASL mechanism of the connection (the listener's
// sasl.enabled.mechanisms are listed in the answer); an unknown mechanism is
// UNSUPPORTED_SASL_MECHANISM and closes the connection, as Kafka does. On a listener without SASL:
// ILLEGAL_SASL_STATE. v0: the client then sends bare SASL tokens instead of SaslAuthenticate.
// After authentication, a v1 handshake with the same mechanism starts a re-authentication (KIP-368).
import { SaslHandshake } from '../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

export const saslHandshakeHandler = defineHandler(SaslHandshake, { min: 0, max: 1 }, (ctx, req) =>
  ctx.conn.session.handshake(req.mechanism, ctx.header.apiVersion));
