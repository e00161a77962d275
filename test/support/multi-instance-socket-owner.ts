import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ClientConnection } from '../../simulator/http/request-log.js';

/** The processes whose sockets may be asked about, by name (e.g. `tally-1` → its pid). */
export type WatchedProcesses = () => ReadonlyMap<string, number>;

/** One line of the kernel's TCP tables, from the local end's point of view. */
interface TcpSocket {
  localPort: number;
  remotePort: number;
  /** `0` for an orphan: a socket whose process has died (its FIN or RST still on its way). */
  inode: string;
}

/** Every TCP socket on this machine (`/proc/net/tcp` and `tcp6`: `sl local_address rem_address st … uid timeout inode`, ports in hex). */
function tcpSockets(): TcpSocket[] {
  const sockets: TcpSocket[] = [];
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
      sockets.push({ localPort: parseInt(fields[1]!.split(':')[1] ?? '', 16), remotePort: parseInt(fields[2]!.split(':')[1] ?? '', 16), inode: fields[9]! });
    }
  }
  return sockets;
}

/**
 * The inode of the TCP socket on this machine whose local end is `localPort` and whose remote end
 * is `remotePort` (the client's side of a connection the simulator accepted). Undefined when no
 * such socket exists (the client already closed it) in {@link TABLE_READS} reads.
 */
function clientSocketInode(localPort: number, remotePort: number): string | undefined {
  // The kernel writes its table a page per read(), resuming by position: a socket opened or closed
  // meanwhile can shift a line past the reader. A socket missing from one read is looked for again.
  for (let read = 0; read < TABLE_READS; read++) {
    const found = tcpSockets().find((socket) => socket.localPort === localPort && socket.remotePort === remotePort);
    if (found !== undefined) return found.inode;
  }
  return undefined;
}

/** Reads of the socket table before a connection counts as gone. */
const TABLE_READS = 3;

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

/** Names the client of a connection; `remember()` keeps today's owners for processes about to be killed. */
export interface SocketOwnerResolver {
  (connection: ClientConnection): string | undefined;
  /**
   * Records who holds each client socket now, by its two ports. Call it right before killing a
   * watched process: the requests it had sent still arrive afterwards, but its sockets are then
   * orphans (inode 0) and its descriptors are gone, so only this record can name it.
   */
  remember(): void;
}

/**
 * Names the process at the other end of a loopback connection, for the simulator's request log
 * (`identifyClient`): the kernel's socket table gives the client socket's inode, and the watched
 * processes' open descriptors say who holds it. Nothing in the request has to say who sent it, so
 * Tally runs unchanged. Linux only (reads `/proc`); on another system every client is undefined.
 * Socket inodes are never reused while a socket lives, so owners are cached by inode and the
 * descriptors are read again only for an inode not seen before.
 */
export function createSocketOwnerResolver(watched: WatchedProcesses): SocketOwnerResolver {
  const ownerOfInode = new Map<string, string>();
  /** Owners recorded by `remember()`, by `<client port>:<server port>`. */
  const ownerOfPorts = new Map<string, string>();
  const readOwners = () => {
    for (const [name, pid] of watched()) {
      for (const held of socketInodesOf(pid)) ownerOfInode.set(held, name);
    }
  };
  const resolve = ({ remotePort, localPort }: ClientConnection): string | undefined => {
    const remembered = ownerOfPorts.get(`${remotePort}:${localPort}`);
    const inode = clientSocketInode(remotePort, localPort);
    if (inode === undefined || inode === '0') return remembered;
    if (!ownerOfInode.has(inode)) readOwners();
    return ownerOfInode.get(inode) ?? remembered;
  };
  return Object.assign(resolve, {
    remember() {
      readOwners();
      // Read more than once: the table is written a page per read, so a line can shift past one read.
      for (let read = 0; read < TABLE_READS; read++) {
        for (const socket of tcpSockets()) {
          const owner = ownerOfInode.get(socket.inode);
          if (owner !== undefined) ownerOfPorts.set(`${socket.localPort}:${socket.remotePort}`, owner);
        }
      }
    },
  });
}

/**
 * Stops `pid` (SIGSTOP) and returns once the kernel shows it stopped (at most `timeoutMs`;
 * throws after). Before a kill: a stopped process opens no socket between `remember()` and its
 * death, which a running one could (such a socket's requests then came from nobody known).
 */
export function stopAndWait(pid: number, timeoutMs = 2_000): void {
  process.kill(pid, 'SIGSTOP');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'T' || state === 't') return;
    if (Date.now() > deadline) throw new Error(`process ${pid} did not stop within ${timeoutMs} ms (state ${state})`);
    Atomics.wait(pause, 0, 0, 1);
  }
}
