export { ZooKeeperClient, ZooKeeperMultiError } from './client.js';
export type {
  ClientState,
  ConnectedInfo,
  CreateOptions,
  DisconnectedInfo,
  WatchedEvent,
  WatchOptions,
  Watcher,
  ZooKeeperClientEvents,
  ZooKeeperClientOptions,
} from './client.js';
export { ZkCode, ZooKeeperError, isZkError, zkCodeName, type ZkCodeName } from './errors.js';
export { parseConnectString, type ConnectString, type ServerAddress } from './connect-string.js';
export type { CreateMode, MultiOp, MultiOpOutcome, MultiResult, Stat, WatchedEventType } from './protocol.js';
