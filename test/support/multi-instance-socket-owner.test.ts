import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createSocketOwnerResolver, stopAndWait } from './multi-instance-socket-owner.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A loopback TCP server that hands each accepted socket to the test. */
async function listen(): Promise<{ port: number; accepted: net.Socket[]; nextSocket(): Promise<net.Socket> }> {
  const accepted: net.Socket[] = [];
  const waiting: ((socket: net.Socket) => void)[] = [];
  const server = net.createServer((socket) => {
    accepted.push(socket);
    waiting.shift()?.(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const socket of accepted) socket.destroy();
    server.close();
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted,
    nextSocket: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

describe.skipIf(process.platform !== 'linux')('socket owner resolver', () => {
  it('names the process holding the client end of a connection, and no one for an unwatched process', async () => {
    const server = await listen();
    // Another process connects and stays connected until killed.
    const child = spawn(process.execPath, ['-e', `require('node:net').connect(${server.port}, '127.0.0.1'); setInterval(() => {}, 1000);`], { stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    const fromChild = await server.nextSocket();
    // This process connects too.
    const own = net.connect(server.port, '127.0.0.1');
    cleanups.push(() => own.destroy());
    const fromSelf = await server.nextSocket();

    const connectionOf = (socket: net.Socket) => ({ remoteAddress: socket.remoteAddress!, remotePort: socket.remotePort!, localPort: socket.localPort! });
    const resolve = createSocketOwnerResolver(() => new Map([['child', child.pid!]]));
    expect(resolve(connectionOf(fromChild))).toBe('child');
    expect(resolve(connectionOf(fromSelf))).toBeUndefined();

    const both = createSocketOwnerResolver(() => new Map([['child', child.pid!], ['self', process.pid]]));
    expect(both(connectionOf(fromSelf))).toBe('self');
    expect(both(connectionOf(fromChild))).toBe('child');
  });

  it('still names a process killed after remember(), whose socket is then an orphan', async () => {
    const server = await listen();
    const child = spawn(process.execPath, ['-e', `require('node:net').connect(${server.port}, '127.0.0.1'); setInterval(() => {}, 1000);`], { stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    const fromChild = await server.nextSocket();
    const connection = { remoteAddress: fromChild.remoteAddress!, remotePort: fromChild.remotePort!, localPort: fromChild.localPort! };
    const forgetful = createSocketOwnerResolver(() => new Map([['child', child.pid!]]));
    const resolve = createSocketOwnerResolver(() => new Map([['child', child.pid!]]));
    resolve.remember();
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(forgetful(connection)).toBeUndefined();
    expect(resolve(connection)).toBe('child');
  });

  // The scenario stops its victim before remember(): only then can no socket open between the record and the kill.
  it('stopAndWait returns once the process is stopped, and a SIGKILL still ends it', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000);'], { stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    await once(child, 'spawn');
    stopAndWait(child.pid!);
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    expect(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)).toBe('T');
    child.kill('SIGKILL');
    expect(await once(child, 'exit')).toEqual([null, 'SIGKILL']);
  });
});
