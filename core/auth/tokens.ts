import { randomBytes } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import { sha256Hex } from '../crypto/secret-box.ts';
import { NotFoundError } from '../errors.ts';
import type { Page } from '../store/store.ts';
import { keys } from '../store/keys.ts';
import { createIfAbsent, deleteAtVersion, deleteItem } from '../store/writes.ts';
import type { CreateTokenInput, Role, TokenView } from './schemas.ts';

type TokenItem = {
  id: string;
  name: string;
  role: Role;
  projects?: string[];
  hash: string;
  createdAt: string;
  version: number;
};

const TOKEN_PREFIX = 'berth_';

export const hashToken = (token: string): string => sha256Hex(token);

const toView = (item: TokenItem): TokenView => ({
  id: item.id,
  name: item.name,
  role: item.role,
  projects: item.projects ?? null,
  created_at: item.createdAt,
});

/** Mints a token; the clear value is in this answer and nowhere else, ever. */
export async function createToken({
  ctx,
  input,
}: {
  ctx: CoreContext;
  input: CreateTokenInput;
}): Promise<TokenView & { token: string }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const item: TokenItem = {
    id: ctx.newId(),
    name: input.name,
    role: input.role,
    ...(input.projects ? { projects: [...new Set(input.projects)] } : {}),
    hash: hashToken(token),
    createdAt: ctx.now().toISOString(),
    version: 1,
  };
  // The token and its hash lookup are one invariant: both exist or neither.
  await ctx.store.transact(
    [
      createIfAbsent({ ...keys.token(item.id), ...item }),
      createIfAbsent({ ...keys.tokenByHash(item.hash), ...principalOf(item) }),
    ],
    'token id already exists',
  );
  return { ...toView(item), token };
}

export async function listTokens({
  ctx,
  limit,
  cursor,
}: {
  ctx: CoreContext;
  limit: number;
  cursor?: string | undefined;
}): Promise<Page<TokenView>> {
  const page = await ctx.store.list<TokenItem>(keys.tokens, { limit, cursor });
  return page.cursor ? { items: page.items.map(toView), cursor: page.cursor } : { items: page.items.map(toView) };
}

export async function deleteToken({ ctx, id }: { ctx: CoreContext; id: string }): Promise<void> {
  const item = await ctx.store.get<TokenItem>(keys.token(id));
  if (!item) throw new NotFoundError('token', id);
  await ctx.store.transact(
    [
      // Deleting against the version read keeps a concurrent delete from half-succeeding.
      deleteAtVersion(keys.token(id), item.version),
      deleteItem(keys.tokenByHash(item.hash)),
    ],
    `token "${id}" changed while it was being deleted`,
  );
}

/** What a request needs of its token, kept on the hash lookup too: a token never changes, it is only revoked. */
type TokenPrincipal = Pick<TokenItem, 'id' | 'name' | 'role' | 'projects'>;

const principalOf = (item: TokenItem): { tokenId: string } & Omit<TokenPrincipal, 'id'> => ({
  tokenId: item.id,
  name: item.name,
  role: item.role,
  ...(item.projects ? { projects: item.projects } : {}),
});

/**
 * Looks a presented token up by its hash; undefined when it is not one of
 * ours. One GetItem: the lookup carries the token's name, role and projects
 * (both items go in one transaction, on creation and on revocation).
 */
export async function findTokenByValue({
  ctx,
  token,
}: {
  ctx: CoreContext;
  token: string;
}): Promise<TokenPrincipal | undefined> {
  const lookup = await ctx.store.get<Partial<ReturnType<typeof principalOf>> & { tokenId: string }>(
    keys.tokenByHash(hashToken(token)),
  );
  if (!lookup) return undefined;
  const { tokenId, name, role, projects } = lookup;
  // A lookup written before it carried the principal holds only the id.
  if (name === undefined || role === undefined) return ctx.store.get<TokenItem>(keys.token(tokenId));
  return { id: tokenId, name, role, ...(projects ? { projects } : {}) };
}
