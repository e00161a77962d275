import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ClientConnection } from '../../simulator/http/request-log.js';

/** The processes whose sockets may be asked about, by name (e.g. `tally-1` → its pid). */
export type WatchedProcesses = () => ReadonlyMap<string, number>;

/**
 * The inode of the TCP socket on this machine whose local end is `localPort` and whose remote end
 * is `remotePort` (the client's side of a connection the simulator accepted), from the kernel's
 * socket tables (`/proc/net/tcp` and `tcp6`: `sl local_address rem_address st … uid timeout inode`,
 * ports in hex). Undefined when no such socket exists (the client already closed it).
 */
function clientSocketInode(localPort: number, remotePort: number): string | undefined {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const local = parseInt(fields[1]!.split(':')[1] ?? '', 16);
      const remote = parseInt(fields[2]!.split(':')[1] ?? '', 16);
      if (local === localPort && remote === remotePort) return fields[9];
    }
  }
  return undefined;
}

/** Socket inodes each watched process holds now (`/proc/<pid>/fd/* → socket:[inode]`). */
function socketInodesOf(pid: number): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return []; // the process has exited
  }
  const inodes: string[] = [];
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.push(match[1]!);
    } catch {
      // closed between the listing and the read
    }
  }
  return inodes;
}

/**
 * Names the process at the other end of a loopback connection, for the simulator's request log
 * (`identifyClient`): the kernel's socket table gives the client socket's inode, and the watched
 * processes' open descriptors say who holds it. Nothing in the request has to say who sent it, so
 * Tally runs unchanged. Linux only (reads `/proc`); on another system every client is undefined.
 * Socket inodes are never reused while a socket lives, so owners are cached by inode and the
 * descriptors are read again only for an inode not seen before.
 */
export function createSocketOwnerResolver(watched: WatchedProcesses): (connection: ClientConnection) => string | undefined {
  const ownerOfInode = new Map<string, string>();
  return ({ remotePort, localPort }) => {
    const inode = clientSocketInode(remotePort, localPort);
    if (inode === undefined) return undefined;
    const known = ownerOfInode.get(inode);
    if (known !== undefined) return known;
    for (const [name, pid] of watched()) {
      for (const held of socketInodesOf(pid)) ownerOfInode.set(held, name);
    }
    return ownerOfInode.get(inode);
  };
}
