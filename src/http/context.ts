import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { Services } from '../domain/services.ts';
import type { CookieSettings } from './session-cookie.ts';

export interface HttpContext {
  services: Services;
  cookie: CookieSettings;
}

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** A route module: registers its routes on the app, given the services. */
export type RouteModule = (app: App, ctx: HttpContext) => void;
