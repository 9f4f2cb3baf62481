// A TCP proxy between the nodes and PostgreSQL, so that the harness can make PostgreSQL
// "restart" for the nodes without touching the shared server other people's tests use: `cut()`
// destroys every open connection and stops listening (new connections are refused), which is
// what a restarting server looks like from a client — its connections drop, then nothing
// listens on the port until it is back; `restore()` listens again on the same port.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections accepted since the start (a reconnecting pool shows up here). */
  readonly accepted: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(options: {
  listenPort: number;
  targetHost: string;
  targetPort: number;
}): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  let server: Server | null = null;

  const onConnection = (client: Socket) => {
    accepted++;
    const upstream = connect(options.targetPort, options.targetHost);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server) return resolve();
      const s = createServer(onConnection);
      s.once('error', reject);
      s.listen(options.listenPort, '127.0.0.1', () => {
        s.off('error', reject);
        server = s;
        resolve();
      });
    });

  const stopListening = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = null;
      if (!s) return resolve();
      s.close(() => resolve());
      for (const socket of open) socket.destroy();
      open.clear();
    });

  await listen();
  return {
    port: options.listenPort,
    get accepted() {
      return accepted;
    },
    cut: stopListening,
    restore: listen,
    close: stopListening,
  };
}
