import { randomBytes } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import { InvalidInputError } from '../errors.ts';
import { DeployStatus, type DeployItem } from '../deploys/deploy-item.ts';
import { keys } from '../store/keys.ts';
import type { Page } from '../store/store.ts';
import { readHook, secretAad, type HookItem, type HookSpec, type HookTarget } from './hook-item.ts';
import { hookKeys } from '../store/keys.ts';
import { newHookSecret } from './signatures.ts';

/** A hook as the admin API shows it: everything but its sealed secrets, and how many secrets work now. */
export type HookRecord = Omit<HookItem, 'secrets'> & { activeSecrets: number; previousSecretValidUntil: string | null };

export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

export function toHookRecord(item: HookItem, now: Date): HookRecord {
  const { secrets, ...rest } = item;
  const active = secrets.filter((secret) => !secret.validUntil || Date.parse(secret.validUntil) > now.getTime());
  const previous = active.find((secret) => secret.validUntil)?.validUntil ?? null;
  return { ...rest, activeSecrets: active.length, previousSecretValidUntil: previous };
}

/**
 * Creates a hook with a new secret. The id is 128 random bits, so the hook's
 * URL cannot be guessed; the secret is sealed to the hook and returned here
 * only. Zadig targets must name an env service that exists, ote-stack
 * targets a deployment that is not deleted.
 */
export async function createHook({
  ctx,
  input,
}: {
  ctx: CoreContext;
  input: HookSpec;
}): Promise<{ hook: HookRecord; secret: string }> {
  for (const [index, target] of input.targets.entries()) await requireTarget(ctx, target, index);
  const id = randomBytes(16).toString('hex');
  const secret = newHookSecret(input.auth);
  const now = ctx.now();
  const item: HookItem = {
    ...input,
    id,
    secrets: [{ sealed: ctx.secrets.seal(secret, secretAad(id)), createdAt: now.toISOString() }],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
  };
  await ctx.store.create(hookKeys.hook(id), { ...item, entity: 'hook' }, `hook "${id}" already exists`);
  return { hook: toHookRecord(item, now), secret };
}

async function requireTarget(ctx: CoreContext, target: HookTarget, index: number): Promise<void> {
  const missing = (what: string) => new InvalidInputError(`targets.${index}: ${what}`, `targets.${index}`);
  if (target.kind === 'zadig-env-service') {
    const found = await ctx.store.get(keys.envService(target.project, target.scope, target.env, target.service));
    if (!found)
      throw missing(
        `service "${target.service}" not found in environment "${target.env}" of project "${target.project}"`,
      );
  }
  if (target.kind === 'ote-stack-deployment') {
    const deploy = await ctx.store.get<DeployItem>(keys.oteDeploy(target.deployId));
    if (!deploy || deploy.status === DeployStatus.deleted)
      throw missing(`ote-stack deployment ${target.deployId} not found`);
  }
}

export async function listHooks({
  ctx,
  limit,
  cursor,
}: {
  ctx: CoreContext;
  limit: number;
  cursor?: string | undefined;
}): Promise<Page<HookRecord>> {
  const page = await ctx.store.list<HookItem>(hookKeys.hooks, { limit, cursor });
  const now = ctx.now();
  return { ...page, items: page.items.map((item) => toHookRecord(item, now)) };
}

export async function getHook({ ctx, id }: { ctx: CoreContext; id: string }): Promise<HookRecord> {
  return toHookRecord(await readHook(ctx, id), ctx.now());
}

/** Deletes the hook and everything kept under it (deliveries, stages, seen ids, approvals). */
export async function deleteHook({ ctx, id }: { ctx: CoreContext; id: string }): Promise<void> {
  await readHook(ctx, id);
  await ctx.store.remove(hookKeys.hook(id));
  await ctx.store.remove(hookKeys.pendingApproval(id));
  for (const kind of ['DELIVERY#', 'STAGE#', 'SEEN#', 'APPROVAL#'] as const) {
    const kept = await ctx.store.listAll<{ pk: string; sk: string }>(hookKeys.kept(id, kind), { attributes: [] });
    await ctx.store.removeAll(kept.map(({ pk, sk }) => ({ pk, sk })));
  }
}

/**
 * Rotates the secret: the new one is returned (once), and the ones in use
 * keep working for `graceSeconds`, so senders can be reconfigured without a
 * refused delivery. Secrets whose window has passed are dropped.
 */
export async function rotateHookSecret({
  ctx,
  id,
  graceSeconds,
}: {
  ctx: CoreContext;
  id: string;
  graceSeconds: number;
}): Promise<{ hook: HookRecord; secret: string }> {
  const item = await readHook(ctx, id);
  const now = ctx.now();
  const until = new Date(now.getTime() + graceSeconds * 1000).toISOString();
  const secret = newHookSecret(item.auth);
  const kept = item.secrets
    .filter((old) => !old.validUntil || Date.parse(old.validUntil) > now.getTime())
    .map((old) => ({ ...old, validUntil: old.validUntil && old.validUntil < until ? old.validUntil : until }));
  const secrets = [{ sealed: ctx.secrets.seal(secret, secretAad(id)), createdAt: now.toISOString() }, ...kept];
  const updated = await ctx.store.update<HookItem>(
    hookKeys.hook(id),
    item.version,
    { secrets, updatedAt: now.toISOString() },
    `hook "${id}" was changed by another request`,
  );
  return { hook: toHookRecord(updated, now), secret };
}
