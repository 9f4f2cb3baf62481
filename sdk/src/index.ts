// Signoff's JavaScript/TypeScript SDK: browser and Node.js, web platform APIs only.
// Every export is documented (with an example) where it is declared.
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
export type {
  AdminToken,
  Application,
  ApplicationWithSecret,
  CreateApplicationInput,
  CreateUserInput,
  EndSummary,
  LoginResult,
  LogoutScope,
  Session,
  SessionApplication,
  SessionDevice,
  UpdateApplicationInput,
  User,
} from './types.ts';
