export * from './schema.js';
export * from './reader.js';
export * from './writer.js';
export * from './decode-error.js';
export * from './codec.js';
export * from './header.js';
export * from './frame.js';
export * from './messages/index.js';
