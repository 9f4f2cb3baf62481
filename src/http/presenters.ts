// Records → wire shapes, with their schemas (used for validation of responses, fast
// serialisation and the OpenAPI document). Nothing secret ever reaches these shapes.
import { Type } from 'typebox';
import type { App, CredentialChange, LogoutDelivery, Pool, SessionWithApps, User } from '../domain/model.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const UserSchema = Type.Object({
  id: Type.String(),
  userPoolId: Type.String(),
  username: Nullable(Type.String()),
  email: Nullable(Type.String()),
  name: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const presentUser = (u: User) => ({
  id: u.id,
  userPoolId: u.poolId,
  username: u.username,
  email: u.email,
  name: u.name,
  createdAt: iso(u.createdAt),
  updatedAt: iso(u.updatedAt),
});

export const AppSchema = Type.Object({
  id: Type.String(),
  userPoolId: Type.String(),
  name: Type.String(),
  identifier: Nullable(Type.String()),
  redirectUris: Type.Array(Type.String()),
  logoutRedirectUris: Type.Array(Type.String()),
  backchannelLogoutUri: Nullable(Type.String()),
  tokenEndpointAuthMethod: Type.Enum(['client_secret_basic', 'client_secret_post', 'none'], {
    description:
      'How the app authenticates as an OIDC client: with its secret (client_secret_basic or client_secret_post; either method is accepted) or none (a public client: SPA or native app, PKCE required).',
  }),
  ssfEnabled: Type.Boolean({ description: 'Whether the app may receive Shared Signals (event streams).' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const AppWithSecretSchema = Type.Intersect([
  AppSchema,
  Type.Object({ secret: Type.String({ description: 'Shown only in this response; stored hashed.' }) }),
]);

export const presentApp = (a: App) => ({
  id: a.id,
  userPoolId: a.poolId,
  name: a.name,
  identifier: a.identifier,
  redirectUris: a.redirectUris,
  logoutRedirectUris: a.logoutRedirectUris,
  backchannelLogoutUri: a.backchannelLogoutUri,
  tokenEndpointAuthMethod: a.tokenEndpointAuthMethod,
  ssfEnabled: a.ssfEnabled,
  createdAt: iso(a.createdAt),
  updatedAt: iso(a.updatedAt),
});

export const SessionSchema = Type.Object({
  sid: Type.String(),
  userId: Type.String(),
  current: Type.Boolean({ description: 'True on the session the request was made with.' }),
  userAgent: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  device: Type.Object({
    browser: Nullable(Type.String()),
    os: Nullable(Type.String()),
    platform: Nullable(Type.String()),
  }),
  createdAt: Type.String({ format: 'date-time' }),
  lastActiveAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  endedAt: Nullable(Type.String({ format: 'date-time' })),
  endReason: Nullable(Type.String()),
  apps: Type.Array(
    Type.Object({
      appId: Type.String(),
      createdAt: Type.String({ format: 'date-time' }),
      lastActiveAt: Type.String({ format: 'date-time' }),
      endedAt: Nullable(Type.String({ format: 'date-time' })),
    }),
  ),
});

export const presentSession = (s: SessionWithApps, currentSessionId: string | null = null) => ({
  sid: s.id,
  userId: s.userId,
  current: s.id === currentSessionId,
  userAgent: s.userAgent,
  ip: s.ip,
  device: s.device,
  createdAt: iso(s.createdAt),
  lastActiveAt: iso(s.lastActiveAt),
  expiresAt: iso(Math.min(s.expiresAt, s.idleExpiresAt)),
  endedAt: s.endedAt === null ? null : iso(s.endedAt),
  endReason: s.endReason,
  apps: s.apps.map((a) => ({
    appId: a.appId,
    createdAt: iso(a.createdAt),
    lastActiveAt: iso(a.lastActiveAt),
    endedAt: a.endedAt === null ? null : iso(a.endedAt),
  })),
});

export const EndSummarySchema = Type.Object({
  ended: Type.Integer({ description: 'Sessions touched by this call.' }),
  appSessions: Type.Integer(),
  deliveries: Type.Integer({ description: 'Back-channel logout notices queued.' }),
});

export const DeliverySchema = Type.Object({
  id: Type.String(),
  sid: Type.String({ description: 'The ended session: the logout token carries it as `sid`.' }),
  userId: Type.String(),
  status: Type.String({ enum: ['pending', 'delivered', 'failed'] }),
  attempts: Type.Integer({ description: 'Attempts since it was queued (or last replayed).' }),
  lastError: Nullable(Type.String({ description: 'Why the latest failed attempt failed.' })),
  createdAt: Type.String({ format: 'date-time' }),
  deliveredAt: Nullable(Type.String({ format: 'date-time' })),
  nextAttemptAt: Nullable(
    Type.String({ format: 'date-time', description: 'When a pending one is tried next.' }),
  ),
  replayedAt: Nullable(Type.String({ format: 'date-time' })),
});

export const presentDelivery = (d: LogoutDelivery) => ({
  id: d.id,
  sid: d.sessionId,
  userId: d.userId,
  status: d.status,
  attempts: d.attempts,
  lastError: d.lastError,
  createdAt: iso(d.createdAt),
  deliveredAt: d.deliveredAt === null ? null : iso(d.deliveredAt),
  nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
  replayedAt: d.replayedAt === null ? null : iso(d.replayedAt),
});

/** What a password change or reset answers: who, how many sessions it ended, its audit record. */
export const PasswordChangedSchema = Type.Object({
  user: UserSchema,
  ended: Type.Integer({ description: 'Sessions the change ended (0 when they were kept).' }),
  changeId: Type.String({
    description:
      'The audit record of the change (GET /api/v2/audit/credential-changes); the session end it caused has the same id.',
  }),
});

export const CredentialChangeSchema = Type.Object({
  id: Type.String({ description: 'Also the id of the session end it caused, when it ended sessions.' }),
  at: Type.String({ format: 'date-time' }),
  userId: Type.String(),
  credentialType: Type.String({ enum: ['password'] }),
  reason: Type.String({ enum: ['password_changed', 'admin_password_reset'] }),
  actor: Type.Object({ type: Type.String(), id: Nullable(Type.String()) }),
  endSessions: Type.String({
    enum: ['others', 'all', 'none'],
    description: "Which of the user's sessions the change was to end.",
  }),
  sessionsEnded: Type.Integer(),
  events: Type.Integer({ description: 'CAEP credential-change SETs queued on the apps’ event streams.' }),
});

export const presentCredentialChange = (c: CredentialChange) => ({
  id: c.id,
  at: iso(c.at),
  userId: c.userId,
  credentialType: c.credentialType,
  reason: c.reason,
  actor: c.actor,
  endSessions: c.endSessions,
  sessionsEnded: c.sessionsEnded,
  events: c.events,
});

export const PoolSettingsSchema = Type.Object({
  userPoolId: Type.String(),
  name: Type.String(),
  signUpEnabled: Type.Boolean({
    description: 'Whether people may create their own account: GET /signup and POST /api/v2/register/email.',
  }),
});

export const presentPoolSettings = (p: Pool) => ({
  userPoolId: p.id,
  name: p.name,
  signUpEnabled: p.signUpEnabled,
});
