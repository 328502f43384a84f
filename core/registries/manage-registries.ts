import type { CoreContext } from '../context.ts';
import { ConflictError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import type { Page } from '../store/store.ts';
import { adjustCount, deleteUnused } from '../store/writes.ts';
import { createOciClient } from './oci-client.ts';
import { readRegistry, readRegistryAccess, toRegistryView, type RegistryItem } from './registry-item.ts';
import type { RegistryHealth, RegistryView } from './schemas.ts';

export async function getRegistry({ ctx, id }: { ctx: CoreContext; id: string }): Promise<RegistryView> {
  return toRegistryView(await readRegistry(ctx, id));
}

export async function listRegistries({
  ctx,
  limit,
  cursor,
}: {
  ctx: CoreContext;
  limit: number;
  cursor?: string | undefined;
}): Promise<Page<RegistryView>> {
  const page = await ctx.store.list<RegistryItem>(keys.registries, { limit, cursor });
  return { ...page, items: page.items.map(toRegistryView) };
}

/**
 * Deletes a registry nothing uses: no environment (they would lose their pull
 * secret's source), and not ote-stack, whose image repository it may be
 * (every ote-stack repository route would then answer 503).
 */
export async function deleteRegistry({
  ctx,
  id,
  oteRepositoryRegistry,
}: {
  ctx: CoreContext;
  id: string;
  oteRepositoryRegistry?: string | undefined;
}): Promise<void> {
  const registry = await readRegistry(ctx, id);
  if (id === oteRepositoryRegistry)
    throw new ConflictError(
      `registry "${id}" is ote-stack's image repository (BERTH_OTE_REGISTRY); point ote-stack at another registry first`,
    );
  await ctx.store.transact(
    [
      // `usage` moves in the same transactions that create, move and forget environments, so this cannot race them.
      deleteUnused(
        keys.registry(id),
        'usage',
        `registry "${id}" is used by ${registry.usage ?? 0} environment(s); delete them or move them to another registry first`,
      ),
    ],
    `registry "${id}" could not be deleted`,
  );
}

/** A transaction item counting one more (or one fewer) environment on a registry that must exist. */
export const registryUsage = (id: string, delta: 1 | -1) =>
  adjustCount(keys.registry(id), 'usage', delta, `registry "${id}" was deleted meanwhile`);

/**
 * Asks the registry's distribution API (`GET /v2/`) with the stored
 * credentials. Unreachable, too slow, or refusing the credentials: an
 * UnavailableError within `timeoutMs`.
 */
export async function registryHealth({
  ctx,
  id,
  timeoutMs,
}: {
  ctx: CoreContext;
  id: string;
  timeoutMs: number;
}): Promise<RegistryHealth> {
  const client = createOciClient({ access: await readRegistryAccess(ctx, id), timeoutMs });
  const started = performance.now();
  await client.ping();
  return { id, status: 'ok', latency_ms: Math.round(performance.now() - started) };
}

/** An OCI client for a registered registry, with its credentials: what dialects use to list tags. */
export async function registryClient({ ctx, id, timeoutMs }: { ctx: CoreContext; id: string; timeoutMs: number }) {
  return createOciClient({ access: await readRegistryAccess(ctx, id), timeoutMs });
}
