// The back-channel receiver the harness runs itself: an app's logout endpoint (OIDC
// Back-Channel Logout 1.0) that records every logout_token it is sent. It can be "down" in the
// two ways an app goes down: answering 503 (up but failing), or closed (nothing listens on
// the port, connections refused). The token's signature is not checked here — the test suite
// does that; the harness counts notices, so it reads the `sid` and `jti` claims only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type ReceiverMode = 'up' | '503' | 'closed';

export interface Notice {
  sid: string;
  jti: string;
  at: number;
}

export interface Receiver {
  url: string;
  readonly mode: ReceiverMode;
  /** Every notice answered 200, in order of arrival. */
  readonly received: Notice[];
  /** POSTs answered 503 while down. */
  readonly refused: number;
  /** Milliseconds to wait before answering (so that deliveries are in flight when a node dies). */
  delayMs: number;
  setMode(mode: ReceiverMode): Promise<void>;
  /** The distinct sids received. */
  sids(): Set<string>;
  close(): Promise<void>;
}

function claimsOf(body: string): { sid?: string; jti?: string } {
  const token = new URLSearchParams(body).get('logout_token') ?? '';
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

export async function startReceiver(port: number, path = '/backchannel'): Promise<Receiver> {
  const received: Notice[] = [];
  let refused = 0;
  let mode: ReceiverMode = 'up';
  let server: Server | null = null;
  const sockets = new Set<Socket>();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = () => {
        if (mode !== 'up') {
          refused++;
          res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
          return;
        }
        const claims = claimsOf(Buffer.concat(chunks).toString('utf8'));
        if (!claims.sid) {
          res.writeHead(400).end('no sid');
          return;
        }
        received.push({ sid: claims.sid, jti: claims.jti ?? '', at: Date.now() });
        res.writeHead(200, { 'cache-control': 'no-store' }).end();
      };
      if (receiver.delayMs > 0) setTimeout(answer, receiver.delayMs);
      else answer();
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(handle);
      s.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        resolve();
      });
    });
  const shut = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = null;
      if (!s) return resolve();
      s.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}${path}`,
    get mode() {
      return mode;
    },
    received,
    get refused() {
      return refused;
    },
    delayMs: 0,
    async setMode(next) {
      if (next === 'closed' && server) await shut();
      if (next !== 'closed' && !server) await listen();
      mode = next;
    },
    sids: () => new Set(received.map((n) => n.sid)),
    close: shut,
  };
  await listen();
  return receiver;
}
