export * from './errors.js';
export * from './fs.js';
export { MemFileSystem, SimulatedCrash, type FaultKind } from './mem-fs.js';
export * from './config.js';
export * from './checkpoint.js';
export { LeaderEpochCache, LEADER_EPOCH_CHECKPOINT, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEntry } from './leader-epoch-cache.js';
export { segmentFileName, FileRange } from './segment.js';
export * from './log.js';
export * from './log-manager.js';
