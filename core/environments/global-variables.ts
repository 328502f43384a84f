import { InvalidInputError, field, text } from '../errors.ts';
import { checkVariables, type ServiceVariable } from '../render/variables.ts';
import { readServicesNamed } from '../services/service-item.ts';
import { keys } from '../store/keys.ts';
import {
  globalVariablesOf,
  readEnvServiceSummaries,
  relatedServices,
  requireEnvironment,
  type EnvRef,
  type GlobalVariable,
} from './environment-item.ts';
import { checkRenders } from './render-env-service.ts';
import { newOperation } from './operation-item.ts';
import { recordChange, requireIdle } from './record-change.ts';
import { typeGlobalVariables } from './render-env-service.ts';
import type { GlobalVariableValue } from './schemas.ts';

export async function getGlobalVariables(ref: EnvRef): Promise<GlobalVariable[]> {
  const env = await requireEnvironment(ref);
  return globalVariablesOf(env, await readEnvServiceSummaries(ref.ctx, env));
}

/**
 * Replaces the environment's global variables. Exactly the services that take
 * a changed value are rendered and applied again; a key still taken by a
 * service cannot be removed.
 */
export async function updateGlobalVariables({
  values,
  ...ref
}: EnvRef & { values: GlobalVariableValue[] }): Promise<{ operationId?: string; reapplied: string[] }> {
  const env = await requireEnvironment(ref);
  const envServices = await readEnvServiceSummaries(ref.ctx, env);
  const names = values.map((value) => value.key);
  const repeated = names.find((key, index) => names.indexOf(key) !== index);
  if (repeated)
    throw new InvalidInputError(text`${field('globalVariables')}: "${repeated}" is listed twice`, 'globalVariables');
  for (const removed of env.globalVariables.filter((variable) => !names.includes(variable.key))) {
    const users = relatedServices(envServices, removed.key);
    if (users.length > 0)
      throw new InvalidInputError(
        `global variable "${removed.key}" is used by ${users.map((name) => `"${name}"`).join(', ')}; stop using it there first`,
        'globalVariables',
      );
  }
  const services = await readServicesNamed(
    ref.ctx,
    env.project,
    env.scope,
    envServices.map((envService) => envService.service),
  );
  const declared = new Map(env.globalVariables.map((variable) => [variable.key, variable]));
  // A key keeps its declared type; a new key is typed like the services that declare it.
  const typed: ServiceVariable[] = values.map(({ key, value }) => {
    const existing = declared.get(key);
    return existing ? { ...existing, value } : typeGlobalVariables([{ key, value }], services)[0]!;
  });
  const globals = checkVariables(typed, 'globalVariables');
  const changed = globals
    .filter((variable) => JSON.stringify(declared.get(variable.key)?.value) !== JSON.stringify(variable.value))
    .map((variable) => variable.key);
  const reapplied = envServices
    .filter((envService) => changed.some((key) => relatedServices([envService], key).length > 0))
    .map((envService) => envService.service);
  const affected = services.filter((service) => reapplied.includes(service.name));
  checkRenders(
    env,
    affected,
    affected.map((service) => envServices.find((item) => item.service === service.name)!),
    globals,
  );

  if (reapplied.length === 0) {
    await ref.ctx.store.update(
      keys.environment(env.project, env.scope, env.key),
      env.version,
      { globalVariables: globals, updatedBy: ref.principal.name, updatedAt: ref.ctx.now().toISOString() },
      `environment "${env.key}" was changed by another request; read it again and retry`,
    );
    return { reapplied };
  }
  requireIdle(env);
  const operation = newOperation(
    ref.ctx,
    ref.principal,
    { project: env.project, scope: env.scope, env: env.key },
    'update-variables',
    { services: reapplied },
  );
  const { operationId } = await recordChange(ref.ctx, ref.principal, env, 'updating', operation, [], {
    globalVariables: globals,
  });
  return { operationId, reapplied };
}
