// The back-channel POST (OIDC Back-Channel Logout 1.0 §2.5): the logout token as a form field,
// over the guarded transport every notice uses (src/domain/notices/guarded-post.ts: the SSRF
// guard, kept-alive connections, what may be retried).
import { createGuardedPost, type GuardedPostOptions, type PostOutcome } from '../notices/guarded-post.ts';

/**
 * Posts `form` to `uri`, form-encoded, on a kept-alive connection when one is free (on a new
 * one with `newConnection`). Never throws: every outcome is a value.
 */
export type BackchannelPost = (
  uri: string,
  form: Record<string, string>,
  options?: { newConnection?: boolean },
) => Promise<PostOutcome>;

export function createBackchannelPost(
  options: Omit<GuardedPostOptions, 'userAgent'>,
): BackchannelPost & { close(): void } {
  const post = createGuardedPost({ ...options, userAgent: 'Signoff back-channel logout' });
  const send: BackchannelPost = (uri, form, sendOptions) =>
    post(
      uri,
      { contentType: 'application/x-www-form-urlencoded', body: new URLSearchParams(form).toString() },
      sendOptions,
    );
  return Object.assign(send, { close: post.close });
}
