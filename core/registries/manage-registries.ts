import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import type { Page } from '../store/store.ts';
import { createOciClient } from './oci-client.ts';
import { readRegistry, readRegistryAccess, toRegistryView, type RegistryItem } from './registry-item.ts';
import type { RegistryHealth, RegistryView } from './schemas.ts';

export async function getRegistry({ ctx, id }: { ctx: CoreContext; id: string }): Promise<RegistryView> {
  return toRegistryView(await readRegistry(ctx, id));
}

export async function listRegistries({ ctx, limit, cursor }: { ctx: CoreContext; limit: number; cursor?: string | undefined }): Promise<Page<RegistryView>> {
  const page = await ctx.store.list<RegistryItem>(keys.registries, { limit, cursor });
  return { ...page, items: page.items.map(toRegistryView) };
}

export async function deleteRegistry({ ctx, id }: { ctx: CoreContext; id: string }): Promise<void> {
  if (!(await ctx.store.remove(keys.registry(id)))) throw new NotFoundError('registry', id);
}

/**
 * Asks the registry's distribution API (`GET /v2/`) with the stored
 * credentials. Unreachable, too slow, or refusing the credentials: an
 * UnavailableError within `timeoutMs`.
 */
export async function registryHealth({ ctx, id, timeoutMs }: { ctx: CoreContext; id: string; timeoutMs: number }): Promise<RegistryHealth> {
  const client = createOciClient({ access: await readRegistryAccess(ctx, id), timeoutMs });
  const started = performance.now();
  await client.ping();
  return { id, status: 'ok', latency_ms: Math.round(performance.now() - started) };
}

/** An OCI client for a registered registry, with its credentials: what dialects use to list tags. */
export async function registryClient({ ctx, id, timeoutMs }: { ctx: CoreContext; id: string; timeoutMs: number }) {
  return createOciClient({ access: await readRegistryAccess(ctx, id), timeoutMs });
}
