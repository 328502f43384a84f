import type { Principal } from '../../core/auth/schemas.ts';

/** The Hono environment every Berth app shares. */
export type BerthEnv = {
  Variables: {
    requestId: string;
    principal: Principal;
  };
};
