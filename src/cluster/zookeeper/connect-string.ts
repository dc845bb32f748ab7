/**
 * ZooKeeper's connection string, as Kafka's `zookeeper.connect` takes it:
 * `host:port[,host:port...][/chroot]`. The chroot is one suffix for the whole string (after the
 * last host), and every path the client sends is under it.
 */
import { ZkCode, ZooKeeperError } from './errors.js';

export interface ServerAddress {
  host: string;
  port: number;
}

export interface ConnectString {
  servers: ServerAddress[];
  /** '' for no chroot, else a path such as '/kafka' (no trailing slash). */
  chroot: string;
}

const DEFAULT_PORT = 2181;

export function parseConnectString(s: string): ConnectString {
  const slash = s.indexOf('/');
  const hostPart = slash >= 0 ? s.slice(0, slash) : s;
  let chroot = slash >= 0 ? s.slice(slash) : '';
  if (chroot === '/') chroot = '';
  if (chroot !== '') validatePath(chroot);
  const servers: ServerAddress[] = [];
  for (const raw of hostPart.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    let host: string;
    let portText: string | undefined;
    if (item.startsWith('[')) {
      // [IPv6]:port
      const close = item.indexOf(']');
      if (close < 0) throw badConnect(s, `unterminated IPv6 address in "${item}"`);
      host = item.slice(1, close);
      const rest = item.slice(close + 1);
      if (rest !== '' && !rest.startsWith(':')) throw badConnect(s, `unexpected "${rest}" after "${host}"`);
      portText = rest === '' ? undefined : rest.slice(1);
    } else {
      const colon = item.lastIndexOf(':');
      host = colon >= 0 ? item.slice(0, colon) : item;
      portText = colon >= 0 ? item.slice(colon + 1) : undefined;
    }
    const port = portText === undefined ? DEFAULT_PORT : Number(portText);
    if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) throw badConnect(s, `bad server "${item}"`);
    servers.push({ host, port });
  }
  if (servers.length === 0) throw badConnect(s, 'no servers');
  return { servers, chroot };
}

function badConnect(s: string, why: string): ZooKeeperError {
  return new ZooKeeperError(ZkCode.BADARGUMENTS, undefined, `connection string "${s}": ${why}`);
}

/**
 * The client-side check of the Java client's PathUtils.validatePath (absolute, no empty, "." or
 * ".." segments, no trailing slash, no NUL), so a bad path fails before anything is sent. The
 * server checks again and answers BADARGUMENTS.
 */
export function validatePath(path: string, sequential = false): void {
  const fail = (why: string) => new ZooKeeperError(ZkCode.BADARGUMENTS, path, why);
  if (path.length === 0 || path[0] !== '/') throw fail('path must start with /');
  if (path === '/') return;
  // A sequential create appends the counter, so "/queue/" is a valid prefix.
  const checked = sequential && path.endsWith('/') ? path.slice(0, -1) : path;
  if (checked.endsWith('/')) throw fail('path must not end with /');
  if (checked.includes('\u0000')) throw fail('path must not contain NUL');
  for (const seg of checked.slice(1).split('/')) {
    if (seg === '') throw fail('empty path segment');
    if (seg === '.' || seg === '..') throw fail('relative path segment');
  }
}
