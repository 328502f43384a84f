import type { CoreContext } from '../context.ts';
import { keys } from '../store/keys.ts';
import { passwordAad, toRegistryView, type RegistryItem } from './registry-item.ts';
import type { RegisterRegistryInput, RegistryView } from './schemas.ts';

/**
 * Records an image registry with its password sealed. Like a cluster, it is
 * not contacted here: a registry that is briefly down can still be
 * registered, and `GET /admin/registries/:id/health` asks it live.
 *
 * @example
 * await registerRegistry({ ctx, input: { address: 'harbor.example.com', namespace: 'shop', username: 'robot', password: '…', insecure: false } });
 */
export async function registerRegistry({
  ctx,
  input,
}: {
  ctx: CoreContext;
  input: RegisterRegistryInput;
}): Promise<RegistryView> {
  const id = input.id ?? ctx.newId();
  const now = ctx.now().toISOString();
  const item: RegistryItem = {
    id,
    address: input.address.replace(/\/$/, ''),
    namespace: input.namespace,
    insecure: input.insecure,
    ...(input.username !== undefined && input.password !== undefined
      ? { username: input.username, passwordSealed: ctx.secrets.seal(input.password, passwordAad(id)) }
      : {}),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await ctx.store.create(keys.registry(id), { ...item, entity: 'registry' }, `registry "${id}" already exists`);
  return toRegistryView(item);
}
