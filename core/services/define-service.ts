import { renderService, serviceVariables } from '../render/index.ts';
import type { ServiceContainer } from '../render/manifests.ts';
import { assignValues, type ServiceVariable, type VariableValue } from '../render/variables.ts';

/**
 * The one rule for what a service is: its YAML template, its variables
 * (declared ones plus every key the template uses, as empty strings) and the
 * containers it runs. Rendering it proves the pair is valid: every variable
 * fits its type, no key is missing, every document is a Kubernetes object.
 * Environment placeholders (`$Namespace$`, `$EnvName$`) stay as text until an
 * environment renders the service.
 */
export function defineService({
  project,
  name,
  yaml,
  declared,
  values = [],
  field,
}: {
  project: string;
  name: string;
  yaml: string;
  declared: readonly ServiceVariable[];
  values?: readonly VariableValue[];
  field: string;
}): { variables: ServiceVariable[]; containers: ServiceContainer[] } {
  const variables = assignValues(serviceVariables(yaml, declared, field), values, { field });
  const rendered = renderService({ template: yaml, variables, placeholders: { product: project, service: name } });
  return { variables, containers: rendered.containers };
}
