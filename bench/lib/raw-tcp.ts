/**
 * Raw loopback TCP throughput: the ceiling a Kafka client talking to Eddy over loopback works
 * under. A child process and this process move the same number of payload bytes over one TCP
 * connection with no framing, parsing or storage: 1 MiB writes with backpressure, reads discarded.
 *
 * - `rawTcpReceive`: the child sends, this process discards (the direction of a produce).
 * - `rawTcpSend`: this process writes, the child discards (the direction of a fetch).
 *
 * The clock runs from the accepted connection to the last byte (receive: the end of the stream;
 * send: the child closing once it has read everything), so process start-up is not counted.
 * Figures are MB/s (10^6 bytes) of payload.
 */
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { runTsChild } from './child-process.js';

export const RAW_TCP_CHUNK_BYTES = 1024 * 1024;
const PEER = fileURLToPath(new URL('./raw-tcp-peer.ts', import.meta.url));

/** MB/s of `bytes` sent by a child process to a sink in this process. */
export function rawTcpReceive(bytes: number): Promise<number> {
  return measure(bytes, 'send', (socket, done) => {
    let received = 0;
    socket.on('data', (chunk: Buffer) => void (received += chunk.length));
    socket.once('end', () => {
      socket.end();
      done(received);
    });
  });
}

/** MB/s of `bytes` written by this process to a child process that discards them. */
export function rawTcpSend(bytes: number): Promise<number> {
  return measure(bytes, 'receive', (socket, done) => {
    writeBytes(socket, bytes);
    socket.resume();
    socket.once('close', () => done(bytes));
  });
}

/** Writes `bytes` bytes in RAW_TCP_CHUNK_BYTES writes, waiting for 'drain' when the socket asks, then ends it. */
export function writeBytes(socket: net.Socket, bytes: number): void {
  const chunk = Buffer.alloc(RAW_TCP_CHUNK_BYTES, 0x61);
  let left = bytes;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        socket.once('drain', pump);
        return;
      }
    }
    socket.end();
  };
  pump();
}

type Transfer = (socket: net.Socket, done: (bytes: number) => void) => void;

/** Listens on a free loopback port, runs the peer in `peerMode`, and times `transfer` on its connection. */
async function measure(bytes: number, peerMode: 'send' | 'receive', transfer: Transfer): Promise<number> {
  const server = net.createServer();
  let seconds = 0;
  let moved = 0;
  const finished = new Promise<void>((resolve, reject) => {
    server.once('connection', (socket) => {
      server.close();
      const start = process.hrtime.bigint();
      socket.once('error', reject);
      transfer(socket, (count) => {
        seconds = Number(process.hrtime.bigint() - start) / 1e9;
        moved = count;
        resolve();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    await Promise.all([runTsChild(PEER, [peerMode, String(port), String(bytes)]), finished]);
  } finally {
    server.close();
  }
  if (moved !== bytes) throw new Error(`raw TCP: ${moved} bytes moved, expected ${bytes}`);
  return bytes / seconds / 1e6;
}
