import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../src/domain/clock.ts';
import {
  BACKCHANNEL_LOGOUT_EVENT,
  createLogoutTokenSigner,
  LOGOUT_TOKEN_TTL,
} from '../src/domain/logout/logout-token.ts';
import { createJWTVerifier, signRS256, verifyJWT } from '../src/domain/tokens/jwt.ts';
import { createKeyRing, generateSigningKey } from '../src/domain/tokens/key-ring.ts';

describe('synchronous JWT verification', async () => {
  const key = await generateSigningKey('p', Date.now());
  const ring = createKeyRing();
  ring.replace([key]);
  const loaded = ring.get(key.kid)!;
  const now = Math.floor(Date.now() / 1000);
  const sign = (header: Record<string, unknown>, exp = now + 60) =>
    new SignJWT({ sub: 'u' })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header })
      .setExpirationTime(exp)
      .sign(loaded.privateKey);

  it('accepts what we sign and refuses expired, tampered, unknown-key and non-RS256 tokens', async () => {
    const token = await sign({});
    expect(verifyJWT(token, ring, now)).toMatchObject({ ok: true, payload: { sub: 'u' } });
    expect(verifyJWT(await sign({}, now - 1), ring, now)).toEqual({ ok: false, reason: 'expired' });
    const [h, p, s] = token.split('.');
    const otherPayload = Buffer.from(JSON.stringify({ sub: 'admin', exp: now + 60 })).toString('base64url');
    expect(verifyJWT(`${h}.${otherPayload}.${s}`, ring, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyJWT(`${h}.${p}`, ring, now)).toEqual({ ok: false, reason: 'malformed' });
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: key.kid })).toString('base64url')}.${p}.`;
    expect(verifyJWT(none, ring, now)).toEqual({ ok: false, reason: 'malformed' });
    const hs = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: key.kid })).toString('base64url')}.${p}.${s}`;
    expect(verifyJWT(hs, ring, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyJWT(await sign({ kid: 'unknown' }), ring, now)).toEqual({
      ok: false,
      reason: 'unknown_key',
    });
  });

  it('the cached verifier still checks expiry and drops tokens whose key left the ring', async () => {
    const verify = createJWTVerifier(ring, { cacheSize: 2 });
    const token = await sign({});
    expect(verify(token, now).ok).toBe(true);
    expect(verify(token, now).ok).toBe(true);
    expect(verify(token, now + 120)).toEqual({ ok: false, reason: 'expired' });
    const other = createKeyRing();
    other.replace([]);
    const verifyOther = createJWTVerifier(other, { cacheSize: 2 });
    expect(verifyOther(token, now)).toEqual({ ok: false, reason: 'unknown_key' });
    ring.replace([]);
    expect(verify(token, now)).toEqual({ ok: false, reason: 'unknown_key' });
    ring.replace([key]);
  });
});

describe('logout tokens, signed without jose', async () => {
  const key = await generateSigningKey('p', Date.now());
  const ring = createKeyRing();
  ring.replace([key]);
  const loaded = ring.get(key.kid)!;
  const clock = createManualClock(Date.UTC(2026, 11, 1, 12));
  const sign = createLogoutTokenSigner({
    keys: ring,
    clock,
    issuerOf: (poolId) => `https://id.example/${poolId}`,
  });

  it('are the very bytes jose’s SignJWT made of the same claims, and verify with jose', async () => {
    const token = await sign({ poolId: 'p', appId: 'app-1', userId: 'user-1', sessionId: 'sid-1' });
    const claims = decodeJwt(token);
    const iat = Math.floor(clock.now() / 1000);
    expect(claims).toEqual({
      sid: 'sid-1',
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      iss: 'https://id.example/p',
      sub: 'user-1',
      aud: 'app-1',
      iat,
      exp: iat + LOGOUT_TOKEN_TTL,
      jti: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    // RSASSA-PKCS1-v1_5 is deterministic: the same header and claims give the same token.
    const byJose = await new SignJWT({ sid: 'sid-1', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'logout+jwt' })
      .setIssuer('https://id.example/p')
      .setSubject('user-1')
      .setAudience('app-1')
      .setIssuedAt(iat)
      .setExpirationTime(iat + LOGOUT_TOKEN_TTL)
      .setJti(claims.jti!)
      .sign(loaded.privateKey);
    expect(token).toBe(byJose);
    const { protectedHeader } = await jwtVerify(token, loaded.publicKey, {
      typ: 'logout+jwt',
      algorithms: ['RS256'],
      issuer: 'https://id.example/p',
      audience: 'app-1',
      currentDate: new Date(clock.now()),
    });
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: key.kid, typ: 'logout+jwt' });
    expect(await signRS256({ alg: 'RS256', kid: key.kid }, { sub: 'u' }, loaded.privateKey)).toBe(
      await new SignJWT({ sub: 'u' })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid })
        .sign(loaded.privateKey),
    );
  });

  it('each attempt is a new token', async () => {
    const input = { poolId: 'p', appId: 'app-1', userId: 'user-1', sessionId: 'sid-1' };
    const [a, b] = [await sign(input), await sign(input)];
    expect(decodeJwt(a).jti).not.toBe(decodeJwt(b).jti);
  });
});
