// Benchmark (a): verifying an access token with the revocation check, against a bare
// signature verification of the same token, in the same process, interleaved in rounds so
// that machine noise hits both alike.
//
//   node bench/token-verify.ts [--revoked 100000] [--rounds 7] [--ms 1000]
import { verify as cryptoVerify } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createManualClock } from '../src/domain/clock.ts';
import { verifyJWT } from '../src/domain/tokens/jwt.ts';
import { createKeyRing, generateSigningKey } from '../src/domain/tokens/key-ring.ts';
import { createRevocationIndex } from '../src/domain/tokens/revocation-index.ts';
import { createTokenService } from '../src/domain/tokens/tokens.ts';
import { median, opsPerSecond, printTable } from './measure.ts';

const { values } = parseArgs({
  options: {
    revoked: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '7' },
    ms: { type: 'string', default: '1000' },
  },
});
const revoked = Number(values.revoked);
const rounds = Number(values.rounds);
const ms = Number(values.ms);

const clock = createManualClock(Date.now());
const keys = createKeyRing();
keys.replace([await generateSigningKey('pool', clock.now())]);
const index = createRevocationIndex();
// A realistic index: many ended sessions, none of them this token's.
index.add(
  Array.from({ length: revoked }, (_, i) => `ended-session-${i}`),
  clock.now() + 3600_000,
);
const settings = {
  keys,
  index,
  clock,
  issuerOf: () => 'http://localhost:3000/oidc',
  accessTokenTTL: 3600,
  adminTokenTTL: 7200,
};
const cold = createTokenService({ ...settings, verifiedCacheSize: 0 });
const warm = createTokenService(settings);
const { token } = await cold.issueAccessToken({
  poolId: 'pool',
  userId: 'user',
  appId: 'app',
  sessionId: 'session',
  appSessionId: 'app-session',
  notAfter: clock.now() + 86_400_000,
});

const nowSeconds = Math.floor(clock.now() / 1000);
const key = keys.signingKey('pool')!;
const dot = token.lastIndexOf('.');
const signingInput = Buffer.from(token.slice(0, dot));
const signature = Buffer.from(token.slice(dot + 1), 'base64url');

const cases: Record<string, () => unknown> = {
  'bare RS256 signature (node:crypto.verify)': () =>
    cryptoVerify('sha256', signingInput, key.publicKey, signature),
  'baseline: parse + signature + exp (verifyJWT)': () => verifyJWT(token, keys, nowSeconds),
  'Signoff: + claims + revocation check (cold)': () => cold.verifyAccessToken(token),
  'Signoff: same, verified-signature cache (warm)': () => warm.verifyAccessToken(token),
};
if (!(cold.verifyAccessToken(token).ok && warm.verifyAccessToken(token).ok))
  throw new Error('token does not verify');

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const entries = Object.entries(cases);
for (let r = 0; r < rounds; r++) {
  // Each round starts with a different case, so that no case always runs first or last.
  for (let i = 0; i < entries.length; i++) {
    const [name, fn] = entries[(i + r) % entries.length]!;
    samples[name]!.push(opsPerSecond(fn, ms));
  }
}
const results = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
const baseline = results['baseline: parse + signature + exp (verifyJWT)']!;
printTable(
  `Token verification, ${revoked.toLocaleString('en')} ids in the revocation index, median of ${rounds} rounds × ${ms} ms`,
  ['case', 'ops/s', 'vs baseline'],
  Object.entries(results).map(([name, ops]) => [
    name,
    Math.round(ops).toLocaleString('en'),
    (ops / baseline).toFixed(3),
  ]),
);
const ratio = results['Signoff: + claims + revocation check (cold)']! / baseline;
console.log(`\nratio (cold Signoff check / baseline) = ${ratio.toFixed(3)} (target ≥ 0.95)`);
