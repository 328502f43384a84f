import type { CoreContext } from '../context.ts';
import { secretsEqual } from '../crypto/secret-box.ts';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import type { Principal } from './schemas.ts';
import { findTokenByValue } from './tokens.ts';

export const BOOTSTRAP_TOKEN_ID = 'bootstrap';

/**
 * Resolves a bearer token to a principal. The bootstrap admin token comes from
 * configuration and is compared in constant time; every other token is looked
 * up by its SHA-256 hash.
 */
export async function authenticate({
  ctx,
  token,
  bootstrapAdminToken,
}: {
  ctx: CoreContext;
  token: string | undefined;
  bootstrapAdminToken: string | undefined;
}): Promise<Principal> {
  if (!token) throw new UnauthorizedError('missing bearer token');
  if (bootstrapAdminToken && secretsEqual(token, bootstrapAdminToken)) {
    return { tokenId: BOOTSTRAP_TOKEN_ID, name: 'admin', role: 'admin', projects: undefined };
  }
  const item = await findTokenByValue({ ctx, token });
  if (!item) throw new UnauthorizedError('invalid bearer token');
  return { tokenId: item.id, name: item.name, role: item.role, projects: item.projects };
}

export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw new ForbiddenError('this operation needs an admin token');
}

export function requireProjectAccess(principal: Principal, projectKey: string): void {
  if (principal.role === 'admin' || principal.projects === undefined) return;
  if (!principal.projects.includes(projectKey)) {
    throw new ForbiddenError(`this token has no access to project "${projectKey}"`);
  }
}

/** Operations on a whole cluster, outside any project, are not for tokens limited to projects. */
export function requireClusterWideAccess(principal: Principal): void {
  if (principal.role === 'user' && principal.projects !== undefined) {
    throw new ForbiddenError(
      `this token is limited to projects [${principal.projects.join(', ')}]; this operation acts on a whole cluster`,
    );
  }
}
