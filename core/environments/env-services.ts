import { InvalidInputError, NotFoundError, field, text } from '../errors.ts';
import { keys } from '../store/keys.ts';
import { createIfAbsent, updateAtVersion, type Write } from '../store/writes.ts';
import {
  environmentName,
  mergeStoredVariables,
  readEnvServices,
  requireEnvironment,
  type EnvRef,
  type EnvServiceItem,
} from './environment-item.ts';
import {
  checkRenders,
  envServiceValues,
  newEnvService,
  readServices,
  type EnvServiceValues,
} from './manage-environments.ts';
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
  const env = await requireEnvironment(ref);
  const services = await readServices(ref.ctx, env.project, env.scope, inputs);
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
 */
export async function updateEnvServices({ services: inputs, ...ref }: EnvRef & { services: EnvServiceInput[] }) {
  limit(inputs, 'services');
  const env = await requireEnvironment(ref);
  const current = await inEnvironment(
    ref,
    inputs.map((input) => input.name),
  );
  const services = await readServices(ref.ctx, env.project, env.scope, inputs);
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
  const env = await requireEnvironment(ref);
  await inEnvironment(ref, serviceNames);
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

/** The env services named, in order; one the environment does not have is a 404. */
async function inEnvironment(ref: EnvRef, names: readonly string[]): Promise<EnvServiceItem[]> {
  const env = { project: ref.projectKey, scope: ref.scope, key: ref.envKey };
  const all = new Map((await readEnvServices(ref.ctx, env)).map((item) => [item.service, item]));
  return names.map((name) => {
    const found = all.get(name);
    if (!found) throw new NotFoundError('service', name, { in: environmentName(env) });
    return found;
  });
}
