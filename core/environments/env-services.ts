import { InvalidInputError, type NotFoundError, field, text } from '../errors.ts';
import { serviceNotFound, type ServiceItem } from '../services/service-item.ts';
import { keys } from '../store/keys.ts';
import { createIfAbsent, updateAtVersion, type Write } from '../store/writes.ts';
import {
  mergeStoredVariables,
  requireEnvironmentWith,
  serviceNotInEnvironment,
  type EnvRef,
  type EnvServiceItem,
  type EnvironmentItem,
} from './environment-item.ts';
import { envServiceValues, newEnvService, requireDistinct, type EnvServiceValues } from './new-environment.ts';
import { checkRenders } from './render-env-service.ts';
import { newOperation } from './operation-item.ts';
import { MAX_SERVICES_PER_CHANGE, recordChange, requireIdle } from './record-change.ts';
import type { EnvServiceInput } from './schemas.ts';
import { withPromotedGlobals } from './render-env-service.ts';
import { checkVariables } from '../render/variables.ts';

/** A change is one transaction: the wire schemas say the same to their callers, in their own field names. */
function limit(list: readonly unknown[], path: string) {
  if (list.length > MAX_SERVICES_PER_CHANGE)
    throw new InvalidInputError(text`${field(path)}: at most ${MAX_SERVICES_PER_CHANGE} services per request`, path);
}

/** Adds project services to an environment; one already there is a 409. */
export async function addEnvServices({ services: inputs, ...ref }: EnvRef & { services: EnvServiceInput[] }) {
  limit(inputs, 'services');
  const { env, services } = await readForChange(
    ref,
    inputs.map((input) => input.name),
    { envServices: false, services: true },
  );
  const values = inputs.map(envServiceValues);
  const globals = checkVariables(withPromotedGlobals(env.globalVariables, values, services), 'globalVariables');
  checkRenders(env, services, values, globals);
  requireIdle(env);
  const writes: Write[] = inputs.map((input) =>
    createIfAbsent(
      {
        ...keys.envService(env.project, env.scope, env.key, input.name),
        ...newEnvService(env, input, ref.principal, ref.ctx.now()),
      },
      `service "${input.name}" is already in environment "${env.key}"`,
    ),
  );
  const operation = newOperation(
    ref.ctx,
    ref.principal,
    { project: env.project, scope: env.scope, env: env.key },
    'add-services',
    {
      services: inputs.map((input) => input.name),
    },
  );
  return recordChange(ref.ctx, ref.principal, env, 'updating', operation, writes, { globalVariables: globals });
}

/**
 * Changes the environment's values (and images, when given) for services
 * already in it. Values merge: keys not sent keep their value and binding.
 *
 * The table requests, each needed by an invariant (the worker's are `runOperation`'s):
 * 1. BatchGetItem project, environment, the env services and their project services (`readForChange`):
 *    the checks, the values to merge, what to render now so a bad value is a 400;
 * 2. TransactWriteItems environment (at its version) + env services (at theirs) + operation (`recordChange`):
 *    the change and the work that carries it out, seen together or not at all.
 */
export async function updateEnvServices({ services: inputs, ...ref }: EnvRef & { services: EnvServiceInput[] }) {
  limit(inputs, 'services');
  const {
    env,
    envServices: current,
    services,
  } = await readForChange(
    ref,
    inputs.map((input) => input.name),
    { envServices: true, services: true },
  );
  const merged: EnvServiceValues[] = inputs.map((input, index) => ({
    variableKvs: mergeStoredVariables(current[index]!.variableKvs, input.variables),
    containers: input.containers.length > 0 ? input.containers : current[index]!.containers,
  }));
  const globals = checkVariables(withPromotedGlobals(env.globalVariables, merged, services), 'globalVariables');
  checkRenders(env, services, merged, globals);
  requireIdle(env);
  const writes: Write[] = current.map((envService, index) =>
    updateAtVersion(
      keys.envService(env.project, env.scope, env.key, envService.service),
      envService.version,
      {
        variableKvs: merged[index]!.variableKvs,
        containers: merged[index]!.containers,
        updatedBy: ref.principal.name,
        updatedAt: ref.ctx.now().toISOString(),
      },
      `service "${envService.service}" of environment "${env.key}" was changed by another request`,
    ),
  );
  const operation = newOperation(
    ref.ctx,
    ref.principal,
    { project: env.project, scope: env.scope, env: env.key },
    'update-services',
    {
      services: current.map((envService) => envService.service),
    },
  );
  return recordChange(ref.ctx, ref.principal, env, 'updating', operation, writes, { globalVariables: globals });
}

/** Removes services from an environment; `keepResources` leaves what was applied in the cluster. */
export async function deleteEnvServices({
  serviceNames,
  keepResources,
  ...ref
}: EnvRef & { serviceNames: string[]; keepResources: boolean }) {
  limit(serviceNames, 'serviceNames');
  const { env } = await readForChange(ref, serviceNames, { envServices: true, services: false });
  requireIdle(env);
  const operation = newOperation(
    ref.ctx,
    ref.principal,
    { project: env.project, scope: env.scope, env: env.key },
    'delete-services',
    {
      services: serviceNames,
      deleteResources: !keepResources,
    },
  );
  return recordChange(ref.ctx, ref.principal, env, 'updating', operation, []);
}

/**
 * What a change of named services reads, in one BatchGetItem (per 100 keys)
 * with the project and the environment: their env services (in order; one
 * the environment does not have is a 404) and their project services (a
 * name listed twice is a 400, a missing service a 404), checked in that order.
 */
async function readForChange(
  ref: EnvRef,
  names: readonly string[],
  want: { envServices: boolean; services: boolean },
): Promise<{ env: EnvironmentItem; envServices: EnvServiceItem[]; services: ServiceItem[] }> {
  const { projectKey, scope, envKey } = ref;
  const envServiceKeys = want.envServices ? names.map((name) => keys.envService(projectKey, scope, envKey, name)) : [];
  const serviceKeys = want.services ? names.map((name) => keys.service(projectKey, scope, name)) : [];
  const { env, items } = await requireEnvironmentWith(ref, [...envServiceKeys, ...serviceKeys]);
  const envServices = envServiceKeys.map(
    (_, index) =>
      (items[index] as EnvServiceItem | undefined) ?? throwNotFound(serviceNotInEnvironment(env, names[index]!)),
  );
  if (want.services) requireDistinct(names);
  const services = serviceKeys.map(
    (_, index) =>
      (items[envServiceKeys.length + index] as ServiceItem | undefined) ??
      throwNotFound(serviceNotFound(scope, names[index]!)),
  );
  return { env, envServices, services };
}

const throwNotFound = (error: NotFoundError): never => {
  throw error;
};
