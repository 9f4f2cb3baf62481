// Security Event Tokens (RFC 8417) as the Shared Signals Framework 1.0 profiles them (§4):
// `typ: secevent+jwt`, RS256 with the pool's key, `iss`, `jti`, `iat`, `aud`, a top-level
// `sub_id` (§3), one event in `events` (§4.2.1), `txn` naming the cause (§4.1.8), and never
// `sub` or `exp` (§4.1.3, §4.1.6). The claims are built from an outbox row when it is delivered
// or polled, so that a new kind of event is a new formatter, not a new queue.
import type { EndReason, QueuedSet, SetEventType } from '../model.ts';
import { signRS256 } from '../tokens/jwt.ts';
import type { KeyRing } from '../tokens/key-ring.ts';

export const SET_TYPE = 'secevent+jwt';

export const EVENT_URIS: Record<SetEventType, string> = {
  'session-revoked': 'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
  'credential-change': 'https://schemas.openid.net/secevent/caep/event-type/credential-change',
  'account-purged': 'https://schemas.openid.net/secevent/risc/event-type/account-purged',
  verification: 'https://schemas.openid.net/secevent/ssf/event-type/verification',
};

/** What a stream may carry (SSF 1.0 §8.1.1 events_supported); verification is always sent. */
export const SUPPORTED_EVENTS = [
  EVENT_URIS['session-revoked'],
  EVENT_URIS['credential-change'],
  EVENT_URIS['account-purged'],
];

/** CAEP 1.0 §2 initiating_entity, from who ended the session. */
export function initiatingEntity(reason: string | null): 'admin' | 'user' | 'policy' | 'system' {
  switch (reason as EndReason | null) {
    case 'user_logout':
    case 'user_logout_others':
    case 'user_logout_global':
    case 'user_ended_session':
    case 'app_logout':
    case 'password_changed':
      return 'user';
    case 'admin_logout':
    case 'admin_kick':
    case 'app_deleted':
    case 'user_deleted':
    case 'admin_password_reset':
      return 'admin';
    case 'expired':
      return 'policy';
    default:
      return 'system';
  }
}

/** CAEP reason_admin: the end reason, in the words of the audit trail (docs/events.md). */
const REASON_TEXT: Record<string, string> = {
  user_logout: 'The user logged out',
  user_logout_others: 'The user logged out of their other devices',
  user_logout_global: 'The user logged out everywhere',
  user_ended_session: 'The user ended this session from their device list',
  app_logout: 'The user logged out through an application',
  admin_logout: 'An administrator ended the session',
  admin_kick: 'An administrator logged the user out of this application',
  app_deleted: 'The application was deleted',
  user_deleted: 'The user was deleted',
  expired: 'The session expired',
  password_changed: 'The user changed their password',
  admin_password_reset: 'An administrator set a new password for the user',
};

export interface SetContext {
  issuer: string;
}

/** The claims of a queued SET. */
export function setClaims(row: QueuedSet, ctx: SetContext): Record<string, unknown> {
  const user = row.userId === null ? null : { format: 'iss_sub', iss: ctx.issuer, sub: row.userId };
  const eventTimestamp = Math.floor(row.createdAt / 1000);
  let subId: Record<string, unknown>;
  let event: Record<string, unknown>;
  switch (row.eventType) {
    case 'session-revoked':
      // SSF 1.0 §3.3 complex subject: the user, and the session when one ended; a user alone
      // stands for every session of that user in the app (CAEP 1.0 §3.1: "any session derived
      // from matching those combined claims").
      subId = {
        format: 'complex',
        user,
        ...(row.sessionId === null ? {} : { session: { format: 'opaque', id: row.sessionId } }),
      };
      event = {
        event_timestamp: eventTimestamp,
        initiating_entity: initiatingEntity(row.reason),
        ...(row.reason && REASON_TEXT[row.reason] ? { reason_admin: { en: REASON_TEXT[row.reason] } } : {}),
      };
      break;
    case 'credential-change':
      // CAEP 1.0 §3.3: the user's password was replaced (its txn is the change, which is also
      // the id of the session end it caused, when it ended some).
      subId = user!;
      event = {
        credential_type: 'password',
        change_type: 'update',
        event_timestamp: eventTimestamp,
        initiating_entity: row.detail?.initiatingEntity ?? initiatingEntity(row.reason),
        ...(row.reason && REASON_TEXT[row.reason] ? { reason_admin: { en: REASON_TEXT[row.reason] } } : {}),
      };
      break;
    case 'account-purged':
      subId = user!;
      event = {};
      break;
    case 'verification':
      // SSF 1.0 §8.1.4.1: the subject is the stream itself; state as the receiver gave it.
      subId = { format: 'opaque', id: row.streamId };
      event = typeof row.detail?.state === 'string' ? { state: row.detail.state } : {};
      break;
  }
  return {
    iss: ctx.issuer,
    jti: row.id,
    iat: eventTimestamp,
    aud: row.appId,
    ...(row.endId ? { txn: row.endId } : {}),
    sub_id: subId,
    events: { [EVENT_URIS[row.eventType]]: event },
  };
}

export function createSetSigner(deps: { keys: KeyRing; issuerOf: (poolId: string) => string }) {
  return function signSet(row: QueuedSet): Promise<string> {
    const key = deps.keys.signingKey(row.poolId);
    if (!key) throw new Error(`pool ${row.poolId} has no signing key`);
    return signRS256(
      { alg: 'RS256', kid: key.kid, typ: SET_TYPE },
      setClaims(row, { issuer: deps.issuerOf(row.poolId) }),
      key.privateKey,
    );
  };
}

export type SetSigner = ReturnType<typeof createSetSigner>;
