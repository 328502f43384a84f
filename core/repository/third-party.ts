import type { KubeObject } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { orderAndPage, type PageRequest, type Paged } from '../paging.ts';
import { keys } from '../store/keys.ts';
import { adjustCount, deleteUnused } from '../store/writes.ts';
import type { CreateThirdPartyRepositoryInput } from './schemas.ts';

/**
 * A registry outside Berth whose credentials become the image pull secret of
 * every application naming it. The password is sealed (bound to the id) and
 * never returned.
 */
export type ThirdPartyRepositoryItem = {
  entity: 'ote-third-party-repository';
  repositoryId: string;
  address: string;
  user: string;
  passwordSealed: string;
  /** How many applications name it. */
  usage?: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
};

export type ThirdPartyRepository = Omit<ThirdPartyRepositoryItem, 'passwordSealed'>;

const passwordAad = (repositoryId: string) => `ote-third-party-repository:${repositoryId}:password`;

const withoutPassword = ({ passwordSealed: _, ...repository }: ThirdPartyRepositoryItem): ThirdPartyRepository =>
  repository;

export async function createThirdPartyRepository({
  ctx,
  createdBy,
  input,
}: {
  ctx: CoreContext;
  createdBy: string;
  input: CreateThirdPartyRepositoryInput;
}): Promise<ThirdPartyRepository> {
  const now = ctx.now().toISOString();
  const item: ThirdPartyRepositoryItem = {
    entity: 'ote-third-party-repository',
    repositoryId: input.repositoryId,
    address: input.address,
    user: input.user,
    passwordSealed: ctx.secrets.seal(input.password, passwordAad(input.repositoryId)),
    createdBy,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await ctx.store.create(
    keys.thirdPartyRepository(item.repositoryId),
    item,
    `repository "${item.repositoryId}" already exists`,
  );
  return withoutPassword(item);
}

export async function getThirdPartyRepository({ ctx, repositoryId }: { ctx: CoreContext; repositoryId: string }) {
  return withoutPassword(await readThirdPartyRepository(ctx, repositoryId));
}

export async function listThirdPartyRepositories({
  ctx,
  paging,
}: {
  ctx: CoreContext;
  paging: PageRequest;
}): Promise<Paged<ThirdPartyRepository>> {
  const all = await ctx.store.listAll<ThirdPartyRepositoryItem>(keys.thirdPartyRepositories);
  const page = orderAndPage(all, (repository) => repository.repositoryId, paging);
  return { items: page.items.map(withoutPassword), total: page.total };
}

/** Forgets a repository no application names (their pods would lose their pull secret's source). */
export async function deleteThirdPartyRepository({ ctx, repositoryId }: { ctx: CoreContext; repositoryId: string }) {
  const item = await readThirdPartyRepository(ctx, repositoryId);
  await ctx.store.transact(
    [
      // `usage` moves in the transactions that create and delete applications, so this cannot race a new one.
      deleteUnused(
        keys.thirdPartyRepository(repositoryId),
        'usage',
        `repository "${repositoryId}" is named by ${item.usage ?? 0} application(s); delete them first`,
      ),
    ],
    `repository "${repositoryId}" could not be deleted`,
  );
}

/** A transaction item counting one more (or fewer) application on a repository that must exist. */
export const thirdPartyRepositoryUsage = (repositoryId: string, delta: number) =>
  adjustCount(
    keys.thirdPartyRepository(repositoryId),
    'usage',
    delta,
    `repository "${repositoryId}" does not exist (or was deleted meanwhile)`,
  );

/** The `kubernetes.io/dockerconfigjson` Secret pods pull with, keyed by the repository's address. */
export async function thirdPartyPullSecret(ctx: CoreContext, repositoryId: string, name: string): Promise<KubeObject> {
  const item = await readThirdPartyRepository(ctx, repositoryId);
  const password = ctx.secrets.open(item.passwordSealed, passwordAad(repositoryId));
  const auth = Buffer.from(`${item.user}:${password}`).toString('base64');
  const dockerConfig = { auths: { [item.address]: { username: item.user, password, auth } } };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerConfig)).toString('base64') },
  };
}

async function readThirdPartyRepository(ctx: CoreContext, repositoryId: string): Promise<ThirdPartyRepositoryItem> {
  const item = await ctx.store.get<ThirdPartyRepositoryItem>(keys.thirdPartyRepository(repositoryId));
  if (!item) throw new NotFoundError('repository', repositoryId);
  return item;
}
