// The body of the routes that queue notices again (back-channel deliveries, a stream's SETs):
// no body or `{}` for every failed one, or the ids of failed and delivered ones.
import { Type } from 'typebox';

/** `{ids?: string[]}`, at most 1,000; `what` names the ids in the OpenAPI description. */
export const replayBody = (what: string) =>
  Type.Object(
    {
      ids: Type.Optional(
        Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
          maxItems: 1000,
          description: `${what} to queue again (failed or delivered ones); omitted: every failed one`,
        }),
      ),
    },
    { additionalProperties: false },
  );

/** No body at all means no ids, as `{}` does: replay every failed one. */
export const emptyBodyIsEveryFailed = async (req: { body: unknown }) => {
  req.body ??= {};
};
