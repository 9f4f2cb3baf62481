import { type TSchema, Type } from 'typebox';

/** The Authing v2 success envelope (CONTRACT §2). */
export const ok = <T>(data: T, message = 'success') => ({ code: 200 as const, message, data });

export const Envelope = <T extends TSchema>(data: T) =>
  Type.Object({ code: Type.Literal(200), message: Type.String(), data });

export const ErrorBody = Type.Object({ code: Type.Integer(), message: Type.String() });
