import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import { parseRegistryAddress, type RegistryEndpoint } from './address.ts';
import type { RegistryView } from './schemas.ts';

/**
 * The stored registry. `passwordSealed` is AES-256-GCM ciphertext bound to the
 * registry id; the user name is not secret (it is shown) and stays in clear.
 */
export type RegistryItem = {
  id: string;
  address: string;
  namespace: string;
  insecure: boolean;
  username?: string;
  passwordSealed?: string;
  /** How many environments use the registry. */
  usage?: number;
  createdAt: string;
  updatedAt: string;
  version: number;
};

export type RegistryCredentials = { username: string; password: string };

/** What talking to a registry needs: where, which namespace, and the opened credentials (never for a response). */
export type RegistryAccess = {
  id: string;
  endpoint: RegistryEndpoint;
  namespace: string;
  credentials: RegistryCredentials | undefined;
};

export const passwordAad = (registryId: string): string => `registry:${registryId}:password`;

export function toRegistryView(item: RegistryItem): RegistryView {
  return {
    id: item.id,
    address: item.address,
    namespace: item.namespace,
    username: item.username ?? null,
    has_credentials: item.passwordSealed !== undefined,
    insecure: item.insecure,
    created_at: item.createdAt,
    updated_at: item.updatedAt,
    version: item.version,
  };
}

export async function readRegistry(ctx: CoreContext, id: string): Promise<RegistryItem> {
  const item = await ctx.store.get<RegistryItem>(keys.registry(id));
  if (!item) throw new NotFoundError('registry', id);
  return item;
}

/** The registry with its password opened: for the OCI client and pull secrets only. */
export async function readRegistryAccess(ctx: CoreContext, id: string): Promise<RegistryAccess> {
  const item = await readRegistry(ctx, id);
  const endpoint = parseRegistryAddress(item.address, { insecure: item.insecure });
  // Addresses are checked when registered; an unparsable one means the item was written by something else.
  if (!endpoint) throw new Error(`registry "${item.id}" has an unusable address`);
  const credentials =
    item.username !== undefined && item.passwordSealed !== undefined
      ? { username: item.username, password: ctx.secrets.open(item.passwordSealed, passwordAad(item.id)) }
      : undefined;
  return { id: item.id, endpoint, namespace: item.namespace, credentials };
}
