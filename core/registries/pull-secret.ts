import type { KubeObject } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { readRegistryAccess } from './registry-item.ts';

/**
 * The imagePullSecret an environment needs to pull from a registry: a
 * `kubernetes.io/dockerconfigjson` Secret named `name` whose only entry is
 * the registry's host (`host[:port]`, as image names begin). `undefined` when
 * the registry has no credentials (nothing to pull with). An unknown registry
 * is a NotFoundError.
 *
 * The value goes in `data` (base64), not `stringData`: `stringData` is
 * write-only, so a server-side apply of it would never converge.
 *
 * @example
 * const secret = await pullSecretFor({ ctx, registryId: 'harbor', name: 'berth-registry-harbor' });
 * if (secret) await cluster.apply([secret], { namespace: 'shop-dev' });
 */
export async function pullSecretFor({
  ctx,
  registryId,
  name,
  namespace,
}: {
  ctx: CoreContext;
  registryId: string;
  name: string;
  /** Usually left out: `apply` puts the object in the namespace it is given. */
  namespace?: string;
}): Promise<KubeObject | undefined> {
  const { endpoint, credentials } = await readRegistryAccess(ctx, registryId);
  if (!credentials) return undefined;
  const { username, password } = credentials;
  const dockerConfig = {
    auths: { [endpoint.host]: { username, password, auth: Buffer.from(`${username}:${password}`).toString('base64') } },
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerConfig)).toString('base64') },
  };
}
