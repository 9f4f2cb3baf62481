// A relying party's back-channel logout endpoint, for tests: a real HTTP server on 127.0.0.1
// that validates each logout token the way an app should (OIDC Back-Channel Logout 1.0 §2.6,
// with jose against the JWKS that the listening Signoff serves) and answers as it is told.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, type JWTPayload, jwtVerify, type ProtectedHeaderParameters } from 'jose';

export const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface ReceivedLogout {
  contentType: string | undefined;
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
}

export interface ReceiverOptions {
  /** The JWKS to verify against (a function: a restarted server listens on another port). */
  jwksUrl: () => string;
  issuer: string;
  /** The app's id: the token's only audience (a function: the app is created after its receiver). */
  audience: () => string;
  /** The clock the tokens were signed by (a test's manual clock). */
  now: () => number;
}

/** A status to answer a token that verified with, or 'hang' to answer nothing. */
export type Answer = number | 'hang';

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

export async function startLogoutReceiver(options: ReceiverOptions) {
  const jwksSets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const jwks = () => {
    const url = options.jwksUrl();
    let set = jwksSets.get(url);
    if (!set) {
      set = createRemoteJWKSet(new URL(url));
      jwksSets.set(url, set);
    }
    return set;
  };

  const received: ReceivedLogout[] = [];
  const rejected: string[] = [];
  let answer: Answer = 200;
  let answerHeaders: Record<string, string> = {};
  let requests = 0;

  const server = createServer((request, response) => {
    requests += 1;
    void (async () => {
      const body = await readBody(request);
      const token = new URLSearchParams(body).get('logout_token') ?? '';
      try {
        const { payload, protectedHeader } = await jwtVerify(token, jwks(), {
          issuer: options.issuer,
          audience: options.audience(),
          typ: 'logout+jwt',
          algorithms: ['RS256'],
          currentDate: new Date(options.now()),
          requiredClaims: ['iat', 'exp', 'jti'],
        });
        // §2.6: the events claim holds the back-channel member; sub or sid; and no nonce.
        const events = payload.events as Record<string, unknown> | undefined;
        if (!events || typeof events[BACKCHANNEL_EVENT] !== 'object') throw new Error('no logout event');
        if (payload.sid === undefined && payload.sub === undefined) throw new Error('neither sid nor sub');
        if ('nonce' in payload) throw new Error('a nonce');
        received.push({
          contentType: request.headers['content-type'],
          header: protectedHeader,
          claims: payload,
        });
      } catch (error) {
        rejected.push((error as Error).message);
        response.writeHead(400).end('invalid logout token');
        return;
      }
      if (answer === 'hang') return;
      if (answer === 302) response.writeHead(302, { location: '/elsewhere' }).end();
      else
        response
          .writeHead(answer, { 'cache-control': 'no-store', ...answerHeaders })
          .end(answer >= 500 ? 'down for maintenance' : undefined);
    })();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let listening = true;

  return {
    url: `http://127.0.0.1:${port}/backchannel-logout`,
    port,
    /** Tokens that verified (whatever was answered after that). */
    received,
    /** Why tokens were refused; a test expects none. */
    rejected,
    /** Every request that reached the endpoint. */
    get requests() {
      return requests;
    },
    /** What to answer from now on, with these extra headers (a Retry-After, say). */
    answerWith(next: Answer, headers: Record<string, string> = {}) {
      answer = next;
      answerHeaders = headers;
    },
    /** Stops listening: attempts then fail with ECONNREFUSED. */
    async down() {
      if (!listening) return;
      listening = false;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    /** Listens again on the same port. */
    async up() {
      if (listening) return;
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      listening = true;
    },
    close() {
      return this.down();
    },
  };
}

export type LogoutReceiver = Awaited<ReturnType<typeof startLogoutReceiver>>;
