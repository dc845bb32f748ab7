import { hostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/**
 * The address to give clients for a listener on every interface (0.0.0.0 or ::): the first
 * non-internal IPv4 address of the machine, else its host name. Loopback would send every
 * client on another machine to itself; Kafka, for an empty listener host, advertises the
 * canonical host name, which here often resolves to nothing useful inside containers.
 */
export function machineAddress(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
  host: string = hostname(),
): string {
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  }
  return host;
}

export const isWildcardHost = (host: string): boolean => host === '0.0.0.0' || host === '::';
