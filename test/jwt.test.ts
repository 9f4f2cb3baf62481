import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJWTVerifier, verifyJWT } from '../src/domain/tokens/jwt.ts';
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
