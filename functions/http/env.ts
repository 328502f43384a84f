import type { Principal } from '../../core/auth/schemas.ts';
import type { CoreContext } from '../../core/context.ts';

/** The Hono environment every Berth app shares. */
export type BerthEnv = {
  Variables: {
    requestId: string;
    principal: Principal;
    /** The body as the route read it, for error envelopes that echo a field of it. */
    parsedBody: unknown;
    /** The domain error a request ended with, for the request log. */
    errorCode: string;
    /** Where `Idempotency-Key` answers are kept; unset in a group that serves only reads. */
    idempotencyStore: CoreContext | undefined;
  };
};
