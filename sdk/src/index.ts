// Signoff's JavaScript/TypeScript SDK, the package @signoff/sdk (its one entry point): browser
// and Node.js, web platform APIs only. Every export is documented (with an example) where it
// is declared.
export {
  AuthenticationClient,
  type AuthenticationClientOptions,
  type LogoutOptions,
  type LogoutResult,
} from './authentication-client.ts';
export { type ApiOutcome, type FetchLike, SignoffError, SignoffErrorCode } from './http.ts';
export {
  type ManagementApplications,
  ManagementClient,
  type ManagementClientOptions,
  type ManagementSessions,
  type ManagementUsers,
} from './management-client.ts';
export { DEFAULT_TOKEN_KEY, type TokenStorage } from './token-storage.ts';
export {
  type AccessTokenClaims,
  createTokenVerifier,
  type TokenRefusalReason,
  type TokenVerification,
  type TokenVerifier,
  type TokenVerifierOptions,
  type TokenVerifierStatus,
} from './token-verifier.ts';
export type {
  AdminToken,
  Application,
  ApplicationWithSecret,
  CreateApplicationInput,
  CreateUserInput,
  EndSummary,
  LoginResult,
  LogoutScope,
  PasswordChange,
  Session,
  SessionApplication,
  SessionDevice,
  SignUpProfile,
  UpdateApplicationInput,
  User,
} from './types.ts';
export {
  type AuthenticatedRequest,
  bearerTokenOf,
  createFastifyTokenHook,
  createTokenMiddleware,
  type FastifyReplyLike,
  type NodeResponseLike,
  refusalOf,
} from './verifier-middleware.ts';
