import type { CoreContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import { putItem, requireExists } from '../store/writes.ts';
import { readRegistry } from './registry-item.ts';

/** Which registered registry Docker Hub-style short image names (`nginx`) resolve against. */
export type DefaultRegistry = { registryId: string; updatedAt: string };

/**
 * Marks a registered registry as the default; the last one marked wins. A
 * registry deleted later leaves no default (short names then name nothing)
 * until another one is marked.
 */
export async function setDefaultRegistry({
  ctx,
  registryId,
}: {
  ctx: CoreContext;
  registryId: string;
}): Promise<DefaultRegistry> {
  await readRegistry(ctx, registryId);
  const marked: DefaultRegistry = { registryId, updatedAt: ctx.now().toISOString() };
  await ctx.store.transact(
    [
      requireExists(keys.registry(registryId), `registry "${registryId}" was deleted meanwhile`),
      putItem({ ...keys.defaultRegistry, ...marked }),
    ],
    `registry "${registryId}" could not be marked as the default`,
  );
  return marked;
}

/** The default registry, if one is marked and still registered. */
export async function findDefaultRegistry(ctx: CoreContext): Promise<DefaultRegistry | undefined> {
  const marked = await ctx.store.get<DefaultRegistry>(keys.defaultRegistry);
  if (!marked || !(await ctx.store.get(keys.registry(marked.registryId)))) return undefined;
  return { registryId: marked.registryId, updatedAt: marked.updatedAt };
}

export async function getDefaultRegistry({ ctx }: { ctx: CoreContext }): Promise<DefaultRegistry> {
  const found = await findDefaultRegistry(ctx);
  if (!found) throw new DomainError('NotFound', 'no default registry is marked');
  return found;
}
