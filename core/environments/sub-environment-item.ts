import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import type { EnvironmentItem } from './environment-item.ts';
import type { PortalProtocol, PortalServer } from './sub-environment-schemas.ts';

/** An object Berth created in the environment's namespace for sharing. */
export type SharedObject = { apiVersion: string; kind: string; name: string };

/** A sub-environment of a shared environment, and the Services of the base it runs (its `x-env` routes there). */
export type SubEnvironment = { env: string; namespace: string; services: string[] };

/**
 * Whether an environment is shared, and everything enabling it created, so
 * that disabling removes exactly that and gives the namespace back as it was.
 * One item per environment (aspect `sharing`): portals and sub-environments
 * live in it too, so one version guards every change. A sub-environment has
 * one as well, never `enabled` (it is not shared itself): it records what
 * joining its base created in its own namespace.
 */
export type SharingItem = {
  entity: 'env-sharing';
  project: string;
  env: string;
  enabled: boolean;
  /** Where the objects are: an environment deleted and created again under the same key starts afresh. */
  clusterId: string;
  namespace: string;
  /** The namespace's `istio-injection` label before Berth set it (null: it had none); disabling puts it back. */
  previousInjection: string | null;
  /** VirtualServices and portal Gateways in the namespace, by name. */
  objects: SharedObject[];
  /** Entry services: Zadig service name to the servers last set, in the order given. */
  portals: Record<string, PortalServer[]>;
  /** The sub-environments whose `x-env` requests this environment's VirtualServices route, by key. */
  subEnvironments: SubEnvironment[];
  updatedBy: string;
  updatedAt: string;
  version: number;
};

/**
 * A portal server in the attribute names the table has always stored
 * (Zadig's, from the days the request body was stored as given).
 */
type StoredPortalServer = { host: string; port_number: number; port_protocol: PortalProtocol };
type StoredSharing = Omit<SharingItem, 'portals' | 'subEnvironments'> & {
  portals: Record<string, StoredPortalServer[]>;
  /** Absent from records written before sub-environments could be created. */
  subEnvironments?: SubEnvironment[];
};

const mapPortals = <A, B>(portals: Record<string, A[]>, map: (server: A) => B): Record<string, B[]> =>
  Object.fromEntries(Object.entries(portals).map(([service, servers]) => [service, servers.map(map)]));

const fromStored = ({ portals, subEnvironments, ...item }: StoredSharing): SharingItem => ({
  ...item,
  subEnvironments: subEnvironments ?? [],
  portals: mapPortals(portals, (server) => ({
    host: server.host,
    port: server.port_number,
    protocol: server.port_protocol,
  })),
});

const storedPortals = (portals: Record<string, PortalServer[]>) =>
  mapPortals(
    portals,
    (server): StoredPortalServer => ({
      host: server.host,
      port_number: server.port,
      port_protocol: server.protocol,
    }),
  );

/** Sharing is for test environments only, as in Zadig (whose routes have no production variant). */
export const sharingKey = (env: Pick<EnvironmentItem, 'project' | 'key'>): ItemKey =>
  keys.envAspect(env.project, 'test', env.key, 'sharing');

/** The environment's sharing record, if it describes this incarnation of the environment. */
export async function readSharing(
  ctx: CoreContext,
  env: EnvironmentItem,
): Promise<{ current: SharingItem | undefined; stored: SharingItem | undefined }> {
  const found = await ctx.store.get<StoredSharing>(sharingKey(env));
  const stored = found && fromStored(found);
  const current =
    stored && stored.clusterId === env.clusterId && stored.namespace === env.namespace ? stored : undefined;
  return { current, stored };
}

/** What a change sets; sub-environments are kept as they are unless given. */
type SharingChanges = Pick<SharingItem, 'enabled' | 'previousInjection' | 'objects' | 'portals'> &
  Partial<Pick<SharingItem, 'subEnvironments'>>;

/**
 * Writes the record under the version it was read at: two requests changing
 * one environment's sharing at once cannot both win (the loser gets a 409).
 */
export async function writeSharing(
  ctx: CoreContext,
  principal: Pick<Principal, 'name'>,
  env: EnvironmentItem,
  stored: SharingItem | undefined,
  changes: SharingChanges,
): Promise<SharingItem> {
  const conflict = `sharing of environment "${env.key}" was changed by another request; try again`;
  const written = {
    ...changes,
    portals: storedPortals(changes.portals),
    clusterId: env.clusterId,
    namespace: env.namespace,
    updatedBy: principal.name,
    updatedAt: ctx.now().toISOString(),
  };
  if (!stored) {
    const item: StoredSharing = {
      entity: 'env-sharing',
      project: env.project,
      env: env.key,
      subEnvironments: [],
      ...written,
      version: 1,
    };
    // Guards against two first enables of one environment both creating the record.
    await ctx.store.create(sharingKey(env), item, conflict);
    return fromStored(item);
  }
  return fromStored(await ctx.store.update<StoredSharing>(sharingKey(env), stored.version, written, conflict));
}
