import type { CoreContext } from '../context.ts';
import { NotFoundError, UnavailableError } from '../errors.ts';
import { createOciClient, type OciClient } from '../registries/oci-client.ts';
import { readRegistryAccess } from '../registries/registry-item.ts';

/**
 * The registry behind ote-stack's repository: one registered with the admin
 * API, named by configuration. Its namespace is the root under which each
 * ote-stack project is a repository namespace: image `test/demo` is
 * `<namespace>/test/demo` in the registry.
 */
export type RepositoryDeps = { ctx: CoreContext; registryId: string; timeoutMs: number };

export type RepositoryRegistry = { client: OciClient; host: string; namespace: string };

export async function openRepositoryRegistry({
  ctx,
  registryId,
  timeoutMs,
}: RepositoryDeps): Promise<RepositoryRegistry> {
  try {
    const access = await readRegistryAccess(ctx, registryId);
    return {
      client: createOciClient({ access, timeoutMs }),
      host: access.endpoint.host,
      namespace: access.namespace,
    };
  } catch (error) {
    // The caller named no registry: a missing one is Berth's configuration, not their request.
    if (error instanceof NotFoundError)
      throw new UnavailableError(`the image registry "${registryId}" is not registered (admin API: /admin/registries)`);
    throw error;
  }
}

/** The full pull reference of an image, without a tag. */
export const imageAddress = (registry: RepositoryRegistry, imageName: string): string =>
  `${registry.host}/${registry.namespace}/${imageName}`;

/** Runs `work` over `items`, at most `limit` at a time, keeping the order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runner = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  return results;
}
