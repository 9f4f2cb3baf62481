// Whether a back-channel URI or a push stream's endpoint can be registered while the SSRF guard
// is on (issue 8): the delivery-time guard (guarded-post.ts) refuses every notice to a host that is, or
// resolves to, a loopback, private or link-local address, so registering such a URI would
// give an application that is silently never told of a logout. Refused here instead, where
// the administrator sees why. Registration is not the guard: a name can resolve elsewhere
// later (DNS rebinding), so every delivery is still checked on the address it connects to.
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPrivateAddress } from './private-address.ts';

export interface NoticeTargetOptions {
  /** SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE: when set, any target is allowed and nothing is checked. */
  allowPrivate: boolean;
  /** What would be sent there, for the message: a back-channel logout (default), or a SET. */
  what?: string;
}

/** How long a lookup may take before the URI is refused as not checkable now. */
const LOOKUP_TIMEOUT_MS = 5000;

const OFF = 'while SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE is off';
const RANGES = 'a loopback, private or link-local address';
/** getaddrinfo's answers for a name that has no address: it will not resolve on a retry. */
const NO_SUCH_NAME = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Null when notices to `uri` could be delivered, else why not, worded to follow the field's
 * name ("body/backchannelLogoutUri points to 10.0.0.1, …"). `uri` has passed
 * checkBackchannelUri (an absolute http(s) URL).
 */
export async function checkNoticeTarget(uri: string, options: NoticeTargetOptions): Promise<string | null> {
  if (options.allowPrivate) return null;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  // URL keeps the brackets of an IPv6 literal; the address is what is inside them.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) {
    return isPrivateAddress(host)
      ? `points to ${host}, ${RANGES}: ${options.what ?? 'back-channel logout'} is never delivered there ${OFF}`
      : null;
  }

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), LOOKUP_TIMEOUT_MS);
  });
  let addresses: LookupAddress[] | 'timeout';
  try {
    addresses = await Promise.race([lookup(host, { all: true }), timedOut]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    // A name that does not exist cannot be delivered to, nor shown to be public: refused, so
    // that it is not found out at the first logout. A resolver that failed may do better later.
    return NO_SUCH_NAME.has(code)
      ? `names ${host}, which does not resolve (${code}): no ${options.what ?? 'logout'} could be delivered to it, and ${OFF} only a host with public addresses is accepted`
      : `could not be checked: resolving ${host} failed (${code}); try again`;
  } finally {
    clearTimeout(timer);
  }
  if (addresses === 'timeout') {
    return `could not be checked: resolving ${host} took longer than ${LOOKUP_TIMEOUT_MS / 1000} s; try again`;
  }
  // As at delivery: one non-public address among them is enough to refuse the host.
  const inside = addresses.find((a) => isPrivateAddress(a.address));
  if (inside) {
    return `points to ${host}, which resolves to ${inside.address}, ${RANGES}: ${options.what ?? 'back-channel logout'} is never delivered there ${OFF}`;
  }
  if (addresses.length === 0) {
    return `names ${host}, which has no address: no ${options.what ?? 'logout'} could be delivered to it`;
  }
  return null;
}
