/**
 * The Kafka protocol server of a data directory's owner: TCP (loopback by default, TLS optional)
 * and a Unix socket inside the data directory, both serving the same broker. `close()` stops
 * accepting, closes every connection (ending their long polls) and removes the socket file.
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { EddyError } from '../errors.js';
import { Connection } from './connection.js';
import type { BrokerContext, BrokerEndpoint } from './handler.js';
import { ReadBufferPool } from './read-buffers.js';

export interface ServerAddresses {
  /** The TCP listener's bound address, or null without one. */
  tcp: BrokerEndpoint | null;
  /** The Unix socket path, or null without one. */
  unix: string | null;
}

function listen(server: net.Server, options: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(options, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export class KafkaServer {
  private readonly connections = new Set<Connection>();
  private readonly servers: net.Server[] = [];
  /** Fetch read buffers, shared by every connection of this server. */
  private readonly readBuffers = new ReadBufferPool();
  private closedFlag = false;
  readonly addresses: ServerAddresses = { tcp: null, unix: null };

  private constructor(
    private readonly broker: BrokerContext,
    private readonly onClose: () => void,
  ) {}

  /**
   * Starts the listeners the broker's options name; fails with ERR_CONFIG_INVALID when one cannot
   * bind. `onClose` runs once when the server starts closing.
   */
  static async start(broker: BrokerContext, onClose: () => void = () => undefined): Promise<KafkaServer> {
    const server = new KafkaServer(broker, onClose);
    try {
      await server.startListeners();
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  private async startListeners(): Promise<void> {
    const { listen: tcp, unixSocket, tls: tlsOptions } = this.broker.options;
    if (tcp !== null) {
      const onSocket = (socket: net.Socket): void => this.accept(socket, 'tcp');
      const server = tlsOptions === null ? net.createServer(onSocket) : tls.createServer({ key: tlsOptions.key, cert: tlsOptions.cert, ca: tlsOptions.ca, requestCert: tlsOptions.ca !== undefined }, onSocket);
      this.servers.push(server);
      try {
        await listen(server, { host: tcp.host, port: tcp.port, exclusive: true });
      } catch (err) {
        throw new EddyError('ERR_CONFIG_INVALID', `Cannot listen on ${tcp.host}:${tcp.port}: ${(err as Error).message}`, { config: 'listen', value: `${tcp.host}:${tcp.port}` }, { cause: err });
      }
      const bound = server.address() as net.AddressInfo;
      this.addresses.tcp = { host: tcp.host, port: bound.port };
    }
    if (unixSocket !== null) {
      // Only the data directory's owner gets here, so a socket file left by a dead owner is stale.
      fs.rmSync(unixSocket, { force: true });
      const server = net.createServer((socket) => this.accept(socket, 'unix'));
      this.servers.push(server);
      try {
        await listen(server, { path: unixSocket, exclusive: true });
      } catch (err) {
        throw new EddyError('ERR_CONFIG_INVALID', `Cannot listen on ${unixSocket}: ${(err as Error).message}`, { config: 'unixSocket', value: unixSocket }, { cause: err });
      }
      this.addresses.unix = unixSocket;
    }
  }

  private accept(socket: net.Socket, listener: 'tcp' | 'unix'): void {
    if (this.closedFlag) {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, this.broker, listener, (c) => this.connections.delete(c), this.readBuffers);
    this.connections.add(connection);
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.onClose();
    for (const connection of [...this.connections]) connection.close();
    await Promise.all(this.servers.map(closeServer));
    if (this.addresses.unix !== null) fs.rmSync(this.addresses.unix, { force: true });
  }
}
