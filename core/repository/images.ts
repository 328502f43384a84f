import type { Principal } from '../auth/schemas.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { nameMatches, orderAndPage, type PageRequest, type Paged } from '../paging.ts';
import { requireReadableProject, requireWritableProject } from './project-item.ts';
import {
  imageAddress,
  mapLimit,
  openRepositoryRegistry,
  type RepositoryDeps,
  type RepositoryRegistry,
} from './registry.ts';

export type Image = {
  projectName: string;
  isPublic: boolean;
  imageName: string;
  address: string;
  /** Build times of its oldest and newest tag (image configs without `created` leave them unknown). */
  createdAt: Date | undefined;
  updatedAt: Date | undefined;
};

export type Tag = { tag: string; address: string; createdAt: Date | undefined };

/** How many registry requests one answer runs at once. */
const REGISTRY_CONCURRENCY = 8;

/**
 * The images of some projects: the catalog's repositories under each
 * project that still have a tag. The distribution API cannot delete a
 * repository, only its manifests, so a repository without tags is an image
 * that was deleted.
 */
export async function imagesByProject(
  registry: RepositoryRegistry,
  projectNames: readonly string[],
): Promise<Map<string, Array<{ imageName: string; tags: string[] }>>> {
  const wanted = new Set(projectNames);
  const repositories = (await registry.client.listRepositories()).filter((name) => wanted.has(name.split('/')[0]!));
  const tagged = await mapLimit(repositories, REGISTRY_CONCURRENCY, async (imageName) => ({
    imageName,
    tags: await registry.client.listTags(imageName).catch((error: unknown) => {
      // Listed by the catalog, gone by now: deleted meanwhile.
      if (error instanceof NotFoundError) return [];
      throw error;
    }),
  }));
  const byProject = new Map(projectNames.map((name) => [name, [] as Array<{ imageName: string; tags: string[] }>]));
  for (const image of tagged) if (image.tags.length > 0) byProject.get(image.imageName.split('/')[0]!)!.push(image);
  return byProject;
}

export async function listImages({
  deps,
  principal,
  projectName,
  imageName,
  paging,
}: {
  deps: RepositoryDeps;
  principal: Principal;
  projectName: string;
  imageName: string | undefined;
  paging: PageRequest;
}): Promise<Paged<Image>> {
  const project = await requireReadableProject(deps.ctx, principal, projectName);
  const registry = await openRepositoryRegistry(deps);
  const images = (await imagesByProject(registry, [projectName])).get(projectName)!;
  const matches = images.filter((image) => nameMatches(image.imageName, imageName, 'partial'));
  const page = orderAndPage(matches, (image) => image.imageName, paging);
  const items = await mapLimit(page.items, REGISTRY_CONCURRENCY, async (image) => {
    const times = (await describeTags(registry, image.imageName, image.tags)).flatMap((tag) =>
      tag.created ? [tag.created.getTime()] : [],
    );
    return {
      projectName: project.projectName,
      isPublic: project.isPublic,
      imageName: image.imageName,
      address: imageAddress(registry, image.imageName),
      createdAt: times.length > 0 ? new Date(Math.min(...times)) : undefined,
      updatedAt: times.length > 0 ? new Date(Math.max(...times)) : undefined,
    };
  });
  return { items, total: page.total };
}

export async function listTags({
  deps,
  principal,
  imageName,
  paging,
}: {
  deps: RepositoryDeps;
  principal: Principal;
  imageName: string;
  paging: PageRequest;
}): Promise<Paged<Tag>> {
  await requireReadableProject(deps.ctx, principal, projectOf(imageName));
  const registry = await openRepositoryRegistry(deps);
  const tags = await existingTags(registry, imageName);
  const page = orderAndPage(tags, (tag) => tag, paging);
  const described = await describeTags(registry, imageName, page.items);
  return {
    items: described.map(({ tag, created }) => ({
      tag,
      address: imageAddress(registry, imageName),
      createdAt: created,
    })),
    total: page.total,
  };
}

/** Deletes images with all their tags. Every image is checked before anything is deleted. */
export async function deleteImages({
  deps,
  principal,
  imageNames,
}: {
  deps: RepositoryDeps;
  principal: Principal;
  imageNames: string[];
}): Promise<void> {
  for (const imageName of imageNames) await requireWritableProject(deps.ctx, principal, projectOf(imageName));
  const registry = await openRepositoryRegistry(deps);
  const manifests = await mapLimit([...new Set(imageNames)], REGISTRY_CONCURRENCY, async (imageName) => {
    const tags = await existingTags(registry, imageName);
    const described = await describeTags(registry, imageName, tags);
    return { imageName, digests: [...new Set(described.map((tag) => tag.digest))] };
  });
  for (const { imageName, digests } of manifests)
    for (const digest of digests) await registry.client.deleteManifest(imageName, digest);
}

/**
 * Deletes tags of an image. The registry deletes a manifest, and with it
 * every tag pointing at it, so a tag the caller did not name that shares a
 * digest with one they did makes the request a Conflict naming it, and
 * nothing is deleted.
 */
export async function deleteTags({
  deps,
  principal,
  imageName,
  tags,
}: {
  deps: RepositoryDeps;
  principal: Principal;
  imageName: string;
  tags: string[];
}): Promise<void> {
  await requireWritableProject(deps.ctx, principal, projectOf(imageName));
  const registry = await openRepositoryRegistry(deps);
  const existing = await existingTags(registry, imageName);
  const named = new Set(tags);
  const unknown = [...named].filter((tag) => !existing.includes(tag));
  if (unknown.length > 0) throw new NotFoundError('tag', `${imageName}:${unknown[0]}`);
  const described = await describeTags(registry, imageName, existing);
  const digests = new Set(described.filter((tag) => named.has(tag.tag)).map((tag) => tag.digest));
  const sharing = described.filter((tag) => digests.has(tag.digest) && !named.has(tag.tag));
  if (sharing.length > 0) {
    const list = sharing.map((tag) => `"${tag.tag}"`).join(', ');
    throw new ConflictError(
      `tag ${list} of ${imageName} points at the same image as a tag to delete, and the registry deletes them together; name it too, or keep both`,
    );
  }
  for (const digest of digests) await registry.client.deleteManifest(imageName, digest);
}

export const projectOf = (imageName: string): string => imageName.split('/')[0]!;

async function existingTags(registry: RepositoryRegistry, imageName: string): Promise<string[]> {
  const tags = await registry.client.listTags(imageName).catch((error: unknown) => {
    if (error instanceof NotFoundError) throw new NotFoundError('image', imageName);
    throw error;
  });
  if (tags.length === 0) throw new NotFoundError('image', imageName);
  return tags;
}

const describeTags = (registry: RepositoryRegistry, imageName: string, tags: readonly string[]) =>
  mapLimit(tags, REGISTRY_CONCURRENCY, async (tag) => ({
    tag,
    ...(await registry.client.describeManifest(imageName, tag)),
  }));
