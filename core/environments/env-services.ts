import { InvalidInputError, NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import { createIfAbsent, updateAtVersion, type Write } from '../store/writes.ts';
import { readEnvServices, requireEnvironment, type EnvRef, type EnvServiceItem } from './environment-item.ts';
import { checkRenders, newEnvService, readServices } from './manage-environments.ts';
import { newOperation } from './operation-item.ts';
import { MAX_SERVICES_PER_CHANGE, recordChange, requireIdle } from './record-change.ts';
import type { EnvServiceInput } from './schemas.ts';
import { withPromotedGlobals } from './render-env-service.ts';
import { checkVariables } from '../render/variables.ts';

function limit(list: readonly unknown[], field: string) {
  if (list.length > MAX_SERVICES_PER_CHANGE)
    throw new InvalidInputError(`${field}: at most ${MAX_SERVICES_PER_CHANGE} services per request`, field);
}

/** Adds project services to an environment; one already there is a 409. */
export async function addEnvServices({ services: inputs, ...ref }: EnvRef & { services: EnvServiceInput[] }) {
  limit(inputs, 'service_list');
  const env = await requireEnvironment(ref);
  const services = await readServices(ref.ctx, env.project, env.scope, inputs);
  const globals = checkVariables(withPromotedGlobals(env.globalVariables, inputs, services), 'global_variables');
  checkRenders(env, services, inputs, globals);
  requireIdle(env);
  const writes: Write[] = inputs.map((input) =>
    createIfAbsent(
      {
        ...keys.envService(env.project, env.scope, env.key, input.service_name),
        ...newEnvService(env, input, ref.principal, ref.ctx.now()),
      },
      `service "${input.service_name}" is already in environment "${env.key}"`,
    ),
  );
  const operation = newOperation(
    ref.ctx,
    ref.principal,
    { project: env.project, scope: env.scope, env: env.key },
    'add-services',
    {
      services: inputs.map((input) => input.service_name),
    },
  );
  return recordChange(ref.ctx, ref.principal, env, 'updating', operation, writes, { globalVariables: globals });
}

/** Replaces the environment's values (and images, when given) for services already in it. */
export async function updateEnvServices({ services: inputs, ...ref }: EnvRef & { services: EnvServiceInput[] }) {
  limit(inputs, 'service_list');
  const env = await requireEnvironment(ref);
  const current = await inEnvironment(
    ref,
    inputs.map((input) => input.service_name),
  );
  const services = await readServices(ref.ctx, env.project, env.scope, inputs);
  const merged = inputs.map((input, index) => ({
    variable_kvs: input.variable_kvs,
    containers: input.containers.length > 0 ? input.containers : current[index]!.containers,
  }));
  const globals = checkVariables(withPromotedGlobals(env.globalVariables, merged, services), 'global_variables');
  checkRenders(env, services, merged, globals);
  requireIdle(env);
  const writes: Write[] = current.map((envService, index) =>
    updateAtVersion(
      keys.envService(env.project, env.scope, env.key, envService.service),
      envService.version,
      {
        variableKvs: merged[index]!.variable_kvs,
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
  limit(serviceNames, 'service_names');
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
  const all = new Map(
    (await readEnvServices(ref.ctx, { project: ref.projectKey, scope: ref.scope, key: ref.envKey })).map((item) => [
      item.service,
      item,
    ]),
  );
  return names.map((name) => {
    const found = all.get(name);
    if (!found) throw new NotFoundError(`service of environment "${ref.envKey}"`, name);
    return found;
  });
}
