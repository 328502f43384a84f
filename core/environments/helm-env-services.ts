import { chartContainers } from '../charts/helm-service.ts';
import { loadKubeconfig } from '../clusters/cluster-item.ts';
import type { CoreContext } from '../context.ts';
import { InvalidInputError, NotFoundError, field, text } from '../errors.ts';
import { requireHelm, type HelmTarget } from '../helm/helm-engine.ts';
import { mergeValues, parseValues, releaseName, setValues, type Values } from '../helm/values.ts';
import { readService, type ServiceItem } from '../services/service-item.ts';
import { keys } from '../store/keys.ts';
import { createIfAbsent, updateAtVersion, type Write } from '../store/writes.ts';
import {
  readEnvService,
  requireEnvironment,
  type EnvRef,
  type EnvServiceItem,
  type EnvironmentItem,
} from './environment-item.ts';
import {
  envServiceItem,
  readServices,
  recordNewEnvironment,
  requireCreatable,
  type EnvironmentCreation,
} from './new-environment.ts';
import type { NewHelmEnvironment } from './schemas.ts';
import { findImagePaths, imagePathKeys, withImage, type ImageValuePaths } from './helm-image-values.ts';
import { newOperation } from './operation-item.ts';
import { MAX_SERVICES_PER_CHANGE, recordChange, requireIdle } from './record-change.ts';

/**
 * A new Helm environment. It starts empty (`NewHelmEnvironment`): its
 * services come with `addHelmEnvServices`.
 */
export async function createHelmEnvironment(
  creation: Omit<EnvironmentCreation, 'input'> & { input: NewHelmEnvironment },
): Promise<{ operationId: string }> {
  const empty = { ...creation, input: { ...creation.input, services: [], globalVariables: [] } };
  await requireCreatable(empty);
  return recordNewEnvironment({ ...empty, globals: [] });
}

/** `deploy` installs the release now; `import` records the service without installing (its release is managed elsewhere). */
export type DeployStrategy = 'deploy' | 'import';

/** A Helm service as one environment runs it: its release, and the environment's own values for it. */
export type HelmEnvService = {
  release: string;
  deployStrategy: DeployStrategy;
  /** The environment's values YAML for the service, merged over the service's values. */
  valuesYaml: string;
  /** `--set` overrides, applied last. */
  overrideKvs: Array<{ key: string; value: unknown }>;
  /** Images set through the environment, at the paths in `imagePaths`; merged after `valuesYaml`. */
  imageValues?: Values;
  /** Per container, where its image lives in the release's values (`image.repository`/`image.tag`). */
  imagePaths?: ImageValuePaths[];
};

export type HelmEnvServiceInput = {
  name: string;
  deployStrategy: DeployStrategy;
  valuesYaml: string;
  overrideKvs: Array<{ key: string; value: unknown }>;
};

/**
 * The values a release is installed with, in Zadig's precedence: the
 * service's values (its chart template's values.yaml rendered, its own
 * values merged) < the environment's values YAML < images set in the
 * environment < override KVs (`--set`). The chart's own values.yaml is
 * applied by Helm beneath all of them.
 */
export function releaseValues(
  service: Pick<ServiceItem, 'helm'>,
  envHelm: HelmEnvService,
  fieldPath = 'services',
): Values {
  const merged = mergeValues(
    service.helm?.values ?? {},
    parseValues(envHelm.valuesYaml, `${fieldPath}.valuesYaml`),
    envHelm.imageValues ?? {},
  );
  return setValues(merged, envHelm.overrideKvs, `${fieldPath}.overrideKvs`);
}

/**
 * Adds Helm services to an environment, or changes the values of those it
 * already has (Zadig's values change: the release is upgraded). Every
 * service's values are merged and its chart rendered with them now, so values
 * the chart cannot take are a 400 and nothing is recorded. Services to
 * `deploy` are installed or upgraded by the recorded operation; `import` ones
 * are recorded as they are.
 */
export async function addHelmEnvServices({
  services: inputs,
  ...ref
}: EnvRef & { services: HelmEnvServiceInput[] }): Promise<{ operationId: string }> {
  if (inputs.length > MAX_SERVICES_PER_CHANGE)
    throw new InvalidInputError(
      text`${field('services')}: at most ${MAX_SERVICES_PER_CHANGE} services per request`,
      'services',
    );
  const env = await requireEnvironment(ref);
  const services = await readServices(
    ref.ctx,
    env.project,
    env.scope,
    inputs.map((input) => ({ name: input.name, variables: [], containers: [] })),
  );
  const existing = await ref.ctx.store.getAll<EnvServiceItem>(
    inputs.map((input) => keys.envService(env.project, env.scope, env.key, input.name)),
  );
  const items = await Promise.all(
    inputs.map(async (input, index) => {
      const service = services[index]!;
      const path = `services[${index}]`;
      if (service.type !== 'helm' || !service.helm)
        throw new InvalidInputError(
          text`${field(`${path}.serviceName`)}: service "${service.name}" is not a Helm service`,
          `${path}.serviceName`,
        );
      const before = existing.find((item) => item.service === service.name);
      const helm: HelmEnvService = {
        release: releaseName(env.namespace, service.name),
        deployStrategy: input.deployStrategy,
        valuesYaml: input.valuesYaml,
        overrideKvs: input.overrideKvs,
        // Images set through the environment stay: a values change is not an image change.
        ...(before?.helm?.imageValues && { imageValues: before.helm.imageValues }),
        ...(before?.helm?.imagePaths && { imagePaths: before.helm.imagePaths }),
      };
      const containers = await chartContainers(
        ref.ctx,
        service.helm,
        releaseValues(service, helm, path),
        `${path}.valuesYaml`,
      );
      return {
        before,
        item: envServiceItem(env, service.name, ref.principal, ref.ctx.now(), {
          variableKvs: [],
          containers: containers.map(({ name, image }) => ({ name, image })),
          helm,
          status: helm.deployStrategy === 'import' ? 'imported' : 'pending',
        }),
      };
    }),
  );
  requireIdle(env);
  const writes: Write[] = items.map(({ before, item }) =>
    before
      ? updateAtVersion(
          keys.envService(env.project, env.scope, env.key, item.service),
          before.version,
          { helm: item.helm, containers: item.containers, updatedBy: item.updatedBy, updatedAt: item.updatedAt },
          `service "${item.service}" of environment "${env.key}" was changed by another request`,
        )
      : createIfAbsent(
          { ...keys.envService(env.project, env.scope, env.key, item.service), ...item },
          `service "${item.service}" was added to environment "${env.key}" by another request`,
        ),
  );
  const operation = newOperation(
    ref.ctx,
    ref.principal,
    { project: env.project, scope: env.scope, env: env.key },
    'add-services',
    {
      services: items.filter(({ item }) => item.helm?.deployStrategy === 'deploy').map(({ item }) => item.service),
    },
  );
  return recordChange(ref.ctx, ref.principal, env, 'updating', operation, writes);
}

/** Where a Helm env service's release lives. */
export async function releaseTarget(
  ctx: CoreContext,
  env: Pick<EnvironmentItem, 'clusterId' | 'namespace'>,
  helm: Pick<HelmEnvService, 'release'>,
): Promise<HelmTarget> {
  const { kubeconfig } = await loadKubeconfig(ctx, env.clusterId);
  return { kubeconfig, namespace: env.namespace, release: helm.release };
}

/**
 * The live values of a service's release (`helm get values --all`: chart
 * defaults included), as Zadig's values route answers: read from the
 * cluster, not from what Berth stored.
 */
export async function getReleaseValues({ serviceName, ...ref }: EnvRef & { serviceName: string }): Promise<Values> {
  const env = await requireEnvironment(ref);
  const envService = await readEnvService(ref.ctx, env, serviceName);
  if (!envService.helm)
    throw new InvalidInputError(
      text`${field('serviceName')}: service "${serviceName}" is not a Helm service of environment "${env.key}"`,
      'serviceName',
    );
  const helm = await requireHelm(ref.ctx);
  return helm.getValues({ target: await releaseTarget(ref.ctx, env, envService.helm), all: true });
}

/**
 * An image update on a Helm service becomes a values change: the paths that
 * spell the container's current image are found in the release's values and
 * recorded, the new image is set there in the environment's image layer, and
 * the release is upgraded by the worker, so a later upgrade keeps it. An
 * override KV on those paths would undo it at once, so it is dropped: the
 * image update is the newer word.
 */
export async function setHelmEnvImage({
  env,
  envService,
  container,
  image,
  ...ref
}: Pick<EnvRef, 'ctx' | 'principal'> & {
  env: EnvironmentItem;
  envService: EnvServiceItem & { helm: HelmEnvService };
  container: string;
  image: string;
}): Promise<{ operationId: string }> {
  requireIdle(env);
  const service = await readService(ref.ctx, env.project, env.scope, envService.service);
  const current = envService.containers.find((entry) => entry.name === container);
  if (!current)
    throw new NotFoundError('container', container, {
      in: `service "${envService.service}" of environment "${env.key}"`,
    });
  const recorded = envService.helm.imagePaths?.find((paths) => paths.container === container);
  const paths = recorded ?? findImagePaths(releaseValues(service, envService.helm), container, current.image);
  if (!paths)
    throw new InvalidInputError(
      text`${field('image')}: the values of release "${envService.helm.release}" do not spell the image of container "${container}" (${current.image}) as repository and tag or as one string, so an upgrade could not keep a new one`,
      'image',
    );
  const taken = imagePathKeys(paths);
  const helm: HelmEnvService = {
    ...envService.helm,
    overrideKvs: envService.helm.overrideKvs.filter(({ key }) => !taken.includes(key)),
    imageValues: withImage(envService.helm.imageValues ?? {}, paths, image),
    imagePaths: [...(envService.helm.imagePaths ?? []).filter((entry) => entry.container !== container), paths],
  };
  const operation = newOperation(
    ref.ctx,
    ref.principal,
    { project: env.project, scope: env.scope, env: env.key },
    'update-services',
    { services: [envService.service] },
  );
  return recordChange(ref.ctx, ref.principal, env, 'updating', operation, [
    updateAtVersion(
      keys.envService(env.project, env.scope, env.key, envService.service),
      envService.version,
      {
        helm,
        containers: envService.containers.map((entry) =>
          entry.name === container ? { name: container, image } : entry,
        ),
        updatedBy: ref.principal.name,
        updatedAt: ref.ctx.now().toISOString(),
      },
      `service "${envService.service}" of environment "${env.key}" was changed by another request`,
    ),
  ]);
}
