// The resource server of benchmark (g), in its own process as an app's API is: node:http with
// two routes over the same tokens —
//   GET /verifier/me  the SDK token verifier's middleware (createTokenMiddleware)
//   GET /jose/me      what an app does without it: jose.jwtVerify against the JWKS
//                     (createRemoteJWKSet), signature, issuer, audience, type and expiry only
// Started by bench/propagation.ts with SIGNOFF_ISSUER, APP_ID and APP_SECRET; prints its port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import {
  type AuthenticatedRequest,
  bearerTokenOf,
  createTokenMiddleware,
  createTokenVerifier,
} from '../sdk/src/index.ts';

const issuer = process.env.SIGNOFF_ISSUER!;
const clientId = process.env.APP_ID!;
const clientSecret = process.env.APP_SECRET!;

const verifier = await createTokenVerifier({ issuer, clientId, clientSecret });
const auth = createTokenMiddleware(verifier);
const jwks = jose.createRemoteJWKSet(new URL(`${issuer}/jwks`));

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

const server = http.createServer((req, res) => {
  if (req.url === '/verifier/me') {
    auth(req, res, () => json(res, 200, { sub: (req as AuthenticatedRequest).auth!.sub }));
  } else if (req.url === '/jose/me') {
    const token = bearerTokenOf(req.headers.authorization) ?? '';
    jose.jwtVerify(token, jwks, { issuer, audience: clientId, typ: 'at+jwt' }).then(
      ({ payload }) => json(res, 200, { sub: payload.sub }),
      () => json(res, 401, { error: 'invalid_token' }),
    );
  } else {
    json(res, 404, {});
  }
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', async () => {
  await verifier.close();
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
