// One error family with stable codes (CONTRACT §2) and one mapper to HTTP. Codes shared with
// Authing keep Authing's number; the others are Signoff's own, listed in docs/errors.md.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { StoreUnavailableError } from '../store/unavailable.ts';

/**
 * Seconds a client is asked to wait (Retry-After) when the store is unreachable: PostgreSQL
 * restarting takes a few seconds, and the pool opens new connections on the next request.
 */
export const STORE_RETRY_AFTER_SECONDS = 2;

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: number;
  constructor(status: number, code: number, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const errors = {
  noPermission: (message = 'No permission') => new ApiError(403, 1001, message),
  userNotFound: (message = 'User not found') => new ApiError(404, 2004, message),
  appNotFound: (message = 'Application not found') => new ApiError(404, 2011, message),
  notLoggedIn: (message = 'Not logged in') => new ApiError(401, 2020, message),
  poolNotFound: (message = 'User pool not found') => new ApiError(404, 2224, message),
  invalid: (message: string) => new ApiError(400, 4000, message),
  badCredentials: (message = 'Wrong account or password') => new ApiError(401, 4010, message),
  signUpDisabled: (message = 'Sign-up is turned off for this user pool') => new ApiError(403, 4031, message),
  sessionNotFound: (message = 'Session not found') => new ApiError(404, 4041, message),
  notFound: (message: string) => new ApiError(404, 4042, message),
  conflict: (message: string) => new ApiError(409, 4090, message),
  methodNotAllowed: (message: string) => new ApiError(405, 4050, message),
  unsupportedMediaType: (message: string) => new ApiError(415, 4150, message),
  tooManyRequests: (message: string) => new ApiError(429, 4290, message),
} as const;

/** The numbers behind each code, for the error catalogue and the tests. */
export const ERROR_CATALOGUE = [
  {
    code: 1001,
    status: 403,
    meaning: 'No permission: wrong pool, wrong token kind, or pool header mismatch',
  },
  { code: 2004, status: 404, meaning: 'User not found' },
  { code: 2011, status: 404, meaning: 'Application not found' },
  { code: 2020, status: 401, meaning: 'Not logged in: missing, malformed, expired or revoked token' },
  { code: 2224, status: 404, meaning: 'User pool not found' },
  { code: 4000, status: 400, meaning: 'Invalid request: the message names the field' },
  { code: 4010, status: 401, meaning: 'Wrong account or password (or wrong current password)' },
  { code: 4031, status: 403, meaning: 'Sign-up is turned off for this user pool' },
  { code: 4040, status: 404, meaning: 'No such route' },
  { code: 4041, status: 404, meaning: 'Session not found' },
  { code: 4042, status: 404, meaning: 'Bulk logout job not found' },
  {
    code: 4050,
    status: 405,
    meaning: 'Method not allowed (Allow says which): e.g. GET logout of other sessions',
  },
  { code: 4090, status: 409, meaning: 'Already exists (username or email taken)' },
  { code: 4130, status: 413, meaning: 'Request body too large' },
  { code: 4150, status: 415, meaning: 'Unsupported content type: /api/** bodies are JSON only' },
  {
    code: 4290,
    status: 429,
    meaning: 'Too many requests: failed sign-ins are throttled (Retry-After says when)',
  },
  { code: 5000, status: 500, meaning: 'Internal error (logged with a request id; no detail is sent)' },
  { code: 5030, status: 503, meaning: 'Starting: the server holds its port but does not serve yet' },
  {
    code: 5031,
    status: 503,
    meaning:
      'The store (PostgreSQL) is unreachable: retry after Retry-After seconds; nothing was changed unless said otherwise',
  },
] as const;

/** "body/userIds must be array", "body/secret is required", "body/extra is not allowed". */
function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const base = `${error.validationContext ?? 'request'}${first.instancePath}`;
  const params = first.params as Record<string, unknown>;
  if (first.keyword === 'required') return `${base}/${String(params.missingProperty)} is required`;
  if (first.keyword === 'additionalProperties')
    return `${base}/${String(params.additionalProperty)} is not allowed`;
  if (first.keyword === 'enum' && Array.isArray(params.allowedValues))
    return `${base} must be one of ${params.allowedValues.join(', ')}`;
  return `${base} ${first.message ?? 'is invalid'}`;
}

export interface MappedError {
  status: number;
  code: number;
  message: string;
  /** Seconds for a Retry-After header, when waiting is the remedy. */
  retryAfter?: number;
}

/** Maps any thrown error to what the client sees. Unknown errors become an opaque 500. */
export function mapError(error: unknown): MappedError {
  if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof StoreUnavailableError) {
    return {
      status: 503,
      code: 5031,
      message: 'The store is unavailable; retry shortly',
      retryAfter: STORE_RETRY_AFTER_SECONDS,
    };
  }
  const e = error as FastifyError;
  if (e.validation) return { status: 400, code: 4000, message: validationMessage(e) };
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status === 413) return { status, code: 4130, message: 'Request body is too large' };
  if (status === 415) return { status, code: 4150, message: 'Unsupported content type' };
  if (status === 429) return { status, code: 4290, message: 'Too many requests' };
  if (status >= 400 && status < 500) return { status, code: 4000, message: e.message };
  return { status: 500, code: 5000, message: 'Internal error' };
}

/**
 * Logs what a client got as a 5xx and sets Retry-After when there is one. An outage is not a
 * fault of this request: one warn line without a stack, rather than an error with one.
 */
export function reportMapped(
  mapped: MappedError,
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (mapped.retryAfter !== undefined) reply.header('retry-after', String(mapped.retryAfter));
  if (mapped.code === 5031) {
    request.log.warn({ error: (error as Error).message }, 'request answered 503: the store is unavailable');
  } else if (mapped.status >= 500) {
    request.log.error({ err: error }, 'request failed');
  }
}

export function apiErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const mapped = mapError(error);
  reportMapped(mapped, error, request, reply);
  return reply.status(mapped.status).send({ code: mapped.code, message: mapped.message });
}
