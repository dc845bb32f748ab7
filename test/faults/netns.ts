/**
 * Network namespaces for the fault suite: one per member (a broker), each joined to a bridge on
 * the host by a veth pair, with an address of a /24 only these namespaces and the host's end of
 * the bridge use. ZooKeeper and the clients stay on the host side and reach the members through
 * the bridge. Faults are nftables rules inside the members' namespaces, so the host keeps its
 * own rules untouched, and removing a namespace removes its rules.
 *
 * Names carry the creating process's pid: a run that died without cleaning up is found by the
 * next one (its pid gone) and removed, so namespaces and bridges never pile up.
 */
import { execFileSync } from 'node:child_process';

const run = (cmd: string, args: readonly string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const ip = (...args: string[]) => run('ip', args);

/** Root, ip(8) and nft(8): what the suite needs to make namespaces and rules. */
export function netnsAvailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (ip netns, nftables)';
  try {
    run('ip', ['-V']);
    run('nft', ['--version']);
  } catch {
    return 'needs iproute2 and nftables';
  }
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes namespaces and bridges left by fault runs whose process is gone. */
export function sweepStale(): void {
  const owner = (name: string, prefix: string) => Number(/^(\d+)/.exec(name.slice(prefix.length))?.[1] ?? NaN);
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (name.startsWith('sf') && !alive(owner(name, 'sf'))) ip('netns', 'del', name);
  }
  for (const type of ['veth', 'bridge']) {
    for (const line of ip('-o', 'link', 'show', 'type', type).split('\n')) {
      const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? '';
      if (name.startsWith('sfb') && !alive(owner(name, 'sfb'))) ip('link', 'del', name);
    }
  }
}

let live: FaultNetwork[] = [];
/** Networks made by this process so far: names are never reused, even after a destroy. */
let made = 0;
let exitHooked = false;

export class FaultNetwork {
  readonly hostAddress: string;
  private readonly addresses = new Map<string, string>();
  private destroyed = false;

  private constructor(
    private readonly bridge: string,
    private readonly subnet: string,
    readonly members: readonly string[],
  ) {
    this.hostAddress = `${subnet}.1`;
    members.forEach((m, i) => this.addresses.set(m, `${subnet}.${10 + i}`));
  }

  /** A bridge on the host and a namespace per member, each with its address and lo up. */
  static create(members: readonly string[]): FaultNetwork {
    sweepStale();
    const pid = process.pid;
    const index = made++;
    // 10.<200-249>.<x>.0/24, from the pid and the network's index in this process.
    const subnet = `10.${200 + ((pid >> 8) % 50)}.${(pid + index * 37) % 256}`;
    const net = new FaultNetwork(`sfb${pid}x${index}`.slice(0, 15), subnet, members);
    live.push(net);
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', () => {
        for (const n of live) n.destroy();
      });
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        process.once(sig, () => {
          for (const n of live) n.destroy();
          process.exit(130);
        });
      }
    }
    try {
      ip('link', 'add', net.bridge, 'type', 'bridge');
      ip('addr', 'add', `${net.hostAddress}/24`, 'dev', net.bridge);
      ip('link', 'set', net.bridge, 'up');
      members.forEach((m, i) => {
        const ns = net.namespace(m);
        const hostEnd = net.hostEnd(i);
        ip('netns', 'add', ns);
        ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
        ip('link', 'set', hostEnd, 'master', net.bridge);
        ip('link', 'set', hostEnd, 'up');
        ip('-n', ns, 'addr', 'add', `${net.address(m)}/24`, 'dev', 'eth0');
        ip('-n', ns, 'link', 'set', 'eth0', 'up');
        ip('-n', ns, 'link', 'set', 'lo', 'up');
      });
      // Every fault is a rule in these two chains; flushing them heals the member.
      for (const m of members) {
        net.nft(m, ['add', 'table', 'inet', 'faults']);
        net.nft(m, ['add', 'chain', 'inet', 'faults', 'in', '{ type filter hook input priority 0; policy accept; }']);
        net.nft(m, ['add', 'chain', 'inet', 'faults', 'out', '{ type filter hook output priority 0; policy accept; }']);
      }
    } catch (err) {
      net.destroy();
      throw err;
    }
    return net;
  }

  namespace(member: string): string {
    return `sf${this.bridge.slice(3)}${member}`.slice(0, 15);
  }

  /** The host's end of a member's veth pair. */
  private hostEnd(i: number): string {
    return `${this.bridge.slice(0, 12)}h${i}`.slice(0, 15);
  }

  address(member: string): string {
    const a = this.addresses.get(member);
    if (!a) throw new Error(`no member ${member}`);
    return a;
  }

  /** The command prefix that runs a program inside a member's namespace (ip netns exec keeps the pid). */
  exec(member: string): string[] {
    return ['ip', 'netns', 'exec', this.namespace(member)];
  }

  private nft(member: string, args: readonly string[]): void {
    run('ip', ['netns', 'exec', this.namespace(member), 'nft', ...args]);
  }

  /** Drops everything between `member` and the given addresses, both ways (the loopback stays). */
  cut(member: string, addresses: readonly string[]): void {
    if (addresses.length === 0) return;
    const set = `{ ${addresses.join(', ')} }`;
    this.nft(member, ['add', 'rule', 'inet', 'faults', 'in', 'ip', 'saddr', set, 'drop']);
    this.nft(member, ['add', 'rule', 'inet', 'faults', 'out', 'ip', 'daddr', set, 'drop']);
  }

  /** Drops what `member` receives from the given addresses; what it sends still arrives. */
  cutInbound(member: string, addresses: readonly string[]): void {
    if (addresses.length === 0) return;
    this.nft(member, ['add', 'rule', 'inet', 'faults', 'in', 'ip', 'saddr', `{ ${addresses.join(', ')} }`, 'drop']);
  }

  /** Drops traffic between `member` and the given TCP ports of the host (ZooKeeper's), both ways. */
  cutHostPorts(member: string, ports: readonly number[]): void {
    const set = `{ ${ports.join(', ')} }`;
    this.nft(member, ['add', 'rule', 'inet', 'faults', 'out', 'ip', 'daddr', this.hostAddress, 'tcp', 'dport', set, 'drop']);
    this.nft(member, ['add', 'rule', 'inet', 'faults', 'in', 'ip', 'saddr', this.hostAddress, 'tcp', 'sport', set, 'drop']);
  }

  /** Everything off the loopback: the member sees no broker, no ZooKeeper and no client. */
  isolate(member: string): void {
    this.nft(member, ['add', 'rule', 'inet', 'faults', 'in', 'iifname', '!=', 'lo', 'drop']);
    this.nft(member, ['add', 'rule', 'inet', 'faults', 'out', 'oifname', '!=', 'lo', 'drop']);
  }

  /** Removes every fault rule of every member. */
  heal(): void {
    for (const m of this.members) {
      this.nft(m, ['flush', 'chain', 'inet', 'faults', 'in']);
      this.nft(m, ['flush', 'chain', 'inet', 'faults', 'out']);
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live = live.filter((n) => n !== this);
    this.members.forEach((m, i) => {
      // The pair goes with either end; deleting the host's end does not wait for the namespace to go.
      try {
        ip('link', 'del', this.hostEnd(i));
      } catch {
        // not created, or gone with its namespace
      }
      try {
        ip('netns', 'del', this.namespace(m));
      } catch {
        // not created
      }
    });
    try {
      ip('link', 'del', this.bridge);
    } catch {
      // not created
    }
  }
}
