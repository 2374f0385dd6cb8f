/**
 * The child side of the raw loopback TCP baselines (raw-tcp.ts): `send PORT BYTES` connects and
 * writes BYTES bytes, then ends; `receive PORT BYTES` connects, discards what arrives and closes at
 * the end of the stream, failing if it did not get BYTES bytes.
 */
import net from 'node:net';
import { writeBytes } from './raw-tcp.js';

const [mode, port, bytesArg] = process.argv.slice(2);
const bytes = Number(bytesArg);
if ((mode !== 'send' && mode !== 'receive') || !Number.isSafeInteger(bytes)) {
  process.stderr.write('usage: raw-tcp-peer send|receive PORT BYTES\n');
  process.exit(2);
}
const socket = net.connect(Number(port), '127.0.0.1', () => {
  if (mode === 'send') {
    writeBytes(socket, bytes);
    socket.resume();
    return;
  }
  let received = 0;
  socket.on('data', (chunk: Buffer) => void (received += chunk.length));
  socket.once('end', () => {
    socket.end();
    if (received !== bytes) {
      process.stderr.write(`raw-tcp-peer: received ${received} bytes, expected ${bytes}\n`);
      process.exitCode = 1;
    }
  });
});
socket.once('error', (err) => {
  process.stderr.write(`raw-tcp-peer: ${err.message}\n`);
  process.exit(1);
});
