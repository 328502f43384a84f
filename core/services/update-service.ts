import { ConflictError, field, text } from '../errors.ts';
import { defineService } from './define-service.ts';
import type { ServiceVariable } from '../render/variables.ts';
import { readServiceOf, reviseService, type ServiceItem, type ServiceRef } from './service-item.ts';

/** Replaces a service's YAML; its declared variables keep their values, new keys join as empty strings. */
export async function updateServiceYaml({ yaml, ...ref }: ServiceRef & { yaml: string }): Promise<ServiceItem> {
  const current = requireYamlService(await readServiceOf(ref));
  if (current.autoSync) {
    const autoSync = field('autoSync');
    throw new ConflictError(
      text`service "${current.name}" follows template "${current.templateName}" (${autoSync}); edit the template, or recreate the service without ${autoSync}`,
    );
  }
  const definition = defineService({
    project: current.project,
    name: current.name,
    yaml,
    declared: current.variables,
    field: 'yaml',
  });
  return reviseService(ref.ctx, ref.principal, current, { yaml, ...definition });
}

/** Replaces a service's variables (keys its YAML uses but the list omits join as empty strings). */
export async function updateServiceVariables({
  variables,
  ...ref
}: ServiceRef & { variables: ServiceVariable[] }): Promise<ServiceItem> {
  const current = requireYamlService(await readServiceOf(ref));
  const definition = defineService({
    project: current.project,
    name: current.name,
    yaml: current.yaml,
    declared: variables,
    field: 'variables',
  });
  return reviseService(ref.ctx, ref.principal, current, { yaml: current.yaml, ...definition });
}

/** A Helm service has no YAML or YAML variables of its own: its chart template and values say what it deploys. */
function requireYamlService(service: ServiceItem): ServiceItem {
  if (service.type === 'helm')
    throw new ConflictError(
      `service "${service.name}" is a Helm service (chart "${service.helm?.chartName}"); load it again from its chart template to change it`,
    );
  return service;
}
