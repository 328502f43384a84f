import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import { parseRegistryAddress } from './address.ts';
import { findDefaultRegistry } from './default-registry.ts';
import { createOciClient, isTag } from './oci-client.ts';
import { readRegistryAccess, type RegistryItem } from './registry-item.ts';

/** An image name split as Docker reads it: `[host[:port]/]path:tag`. */
export type ImageName = { host: string | undefined; path: string; tag: string };

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const PATH = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const HOST = new RegExp(`^${LABEL}(?:\\.${LABEL})*(?::\\d{1,5})?$`);
/** Docker Hub answers under several names. */
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Reads an image name and its tag. The tag may also end the name
 * (`nginx:stable`); given twice, both must agree. Digests are not tags.
 * `undefined` when this is not an image name with a tag.
 */
export function parseImageName(image: string, tag: string | undefined): ImageName | undefined {
  let name = image.trim();
  let givenTag = tag?.trim() || undefined;
  if (name === '' || name.includes('@')) return undefined;
  const tagStart = name.lastIndexOf(':');
  if (tagStart > name.lastIndexOf('/')) {
    const inline = name.slice(tagStart + 1);
    if (givenTag !== undefined && givenTag !== inline) return undefined;
    givenTag = inline;
    name = name.slice(0, tagStart);
  }
  if (givenTag === undefined || !isTag(givenTag)) return undefined;
  const [first, ...rest] = name.split('/');
  // Docker's rule: a first component with a dot or a port, or `localhost`, is a registry host.
  const host = rest.length > 0 && (/[.:]/.test(first!) || first === 'localhost') ? first! : undefined;
  const path = host === undefined ? name : rest.join('/');
  if (!PATH.test(path) || (host !== undefined && !HOST.test(host))) return undefined;
  return { host: host?.toLowerCase(), path, tag: givenTag };
}

/**
 * Requires a registered registry to have the image (a HEAD of its manifest):
 * a NotFoundError otherwise. Only
 * registered registries are ever contacted: a name without a host resolves
 * against the default registry, a host no registered registry has (or a path
 * outside that registry's namespace) is "no" without any request, so the
 * image name cannot make Berth call an address of the caller's choosing.
 */
export async function requireImage({
  ctx,
  image,
  timeoutMs,
}: {
  ctx: CoreContext;
  image: ImageName;
  timeoutMs: number;
}): Promise<void> {
  const registry = await registryOf(ctx, image.host);
  const repository = registry && repositoryIn(registry, image);
  const found =
    registry !== undefined &&
    repository !== undefined &&
    (await createOciClient({ access: await readRegistryAccess(ctx, registry.id), timeoutMs }).hasManifest(
      repository,
      image.tag,
    ));
  if (!found) throw new NotFoundError('image', `${image.host ? `${image.host}/` : ''}${image.path}:${image.tag}`);
}

async function registryOf(ctx: CoreContext, host: string | undefined): Promise<RegistryItem | undefined> {
  if (host === undefined) {
    const marked = await findDefaultRegistry(ctx);
    return marked && ctx.store.get<RegistryItem>(keys.registry(marked.registryId));
  }
  const registries = await ctx.store.listAll<RegistryItem>(keys.registries);
  return registries.find((registry) => {
    const endpoint = parseRegistryAddress(registry.address, { insecure: registry.insecure });
    return endpoint !== undefined && sameHost(endpoint.host, host);
  });
}

/**
 * The repository within the registry's namespace. A short name is placed in
 * the namespace (`nginx` is `library/nginx` on a Docker Hub marked default
 * with namespace `library`); a name with a host must already be in it.
 */
function repositoryIn(registry: RegistryItem, image: ImageName): string | undefined {
  const prefix = `${registry.namespace}/`;
  if (image.path.startsWith(prefix)) return image.path.slice(prefix.length);
  return image.host === undefined ? image.path : undefined;
}

const sameHost = (a: string, b: string): boolean =>
  a.toLowerCase() === b.toLowerCase() || (DOCKER_HUB.has(a.toLowerCase()) && DOCKER_HUB.has(b.toLowerCase()));
