/**
 * Rendering a K8s YAML service: template + typed variables (+ environment
 * overrides, + system placeholders) → YAML text, Kubernetes objects, containers.
 * Every failure is an `InvalidInputError` (a 400 in every dialect).
 */
import {
  parseTemplate,
  renderTemplate,
  templateVariables,
  type ParsedTemplate,
  type TemplateLimits,
} from './template.ts';
import {
  assignValues,
  checkVariables,
  declareVariables,
  variablesToData,
  type ServiceVariable,
  type VariableValue,
} from './variables.ts';
import {
  extractContainers,
  parseManifests,
  substitutePlaceholders,
  substitutePlaceholdersDeep,
  type ManifestObject,
  type ServiceContainer,
  type SystemPlaceholders,
} from './manifests.ts';
import type { YamlLimits } from '../yaml.ts';

export interface RenderServiceInput {
  /** The service's YAML template (source or parsed). */
  readonly template: string | ParsedTemplate;
  /** The service's declared variables. */
  readonly variables?: readonly ServiceVariable[];
  /** Values that win over the declared ones, keeping the declared types (an environment's values). */
  readonly overrides?: readonly VariableValue[];
  /** System placeholders, replaced in variable values before rendering and in the output after. */
  readonly placeholders?: SystemPlaceholders;
  readonly limits?: { readonly template?: Partial<TemplateLimits>; readonly yaml?: Partial<YamlLimits> };
}

export interface RenderedService {
  /** The rendered YAML text, placeholders substituted. */
  readonly yaml: string;
  /** Its Kubernetes objects, each with apiVersion, kind and metadata.name. */
  readonly objects: ManifestObject[];
  /** The containers of its workloads. */
  readonly containers: ServiceContainer[];
}

/**
 * Renders a service strictly: variables checked against their types, every
 * missing key reported, output parsed and checked document by document.
 * Keys the template uses but `variables` does not declare are missing keys;
 * declare them first with `serviceVariables` where the spec wants that.
 *
 * @example
 * renderService({
 *   template: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: $Service$\nspec:\n  ports:\n  - port: {{.port}}\n',
 *   variables: [{ key: 'port', value: '80', type: 'string', options: [], desc: '' }],
 *   placeholders: { service: 'web' },
 * }).objects[0].metadata.name // 'web'
 */
export function renderService(input: RenderServiceInput): RenderedService {
  const template = typeof input.template === 'string' ? parseTemplate(input.template) : input.template;
  const declared = checkVariables(input.variables ?? []);
  const variables = input.overrides ? assignValues(declared, input.overrides) : declared;
  let data = variablesToData(variables);
  if (input.placeholders) data = substitutePlaceholdersDeep(data, input.placeholders) as Record<string, unknown>;

  let yaml = renderTemplate(template, data, input.limits?.template);
  if (input.placeholders) yaml = substitutePlaceholders(yaml, input.placeholders);
  const objects = parseManifests(yaml, { limits: input.limits?.yaml });
  return { yaml, objects, containers: extractContainers(objects) };
}

/**
 * A service's variable list: the declared ones (checked, keeping type, options
 * and desc) plus every key the template uses that is not declared, as an
 * empty `string`.
 */
export function serviceVariables(
  template: string | ParsedTemplate,
  declared: readonly ServiceVariable[] = [],
  field?: string,
): ServiceVariable[] {
  return declareVariables(checkVariables(declared, field), templateVariables(template));
}
