/**
 * Samsa as a library: start a broker inside a Node.js process (for example in an application's
 * tests) on an ephemeral port with a temporary data directory.
 *
 *   const { bootstrap, stop } = await startBroker();
 *   // point any Kafka client at `bootstrap`
 *   await stop();
 */
export { startBroker, type StartedBroker, type StartBrokerOptions, type LogLevel } from './node/start-broker.js';
export { SamsaNode } from './node/samsa-node.js';
export { BrokerConfig } from './config/broker-config.js';
