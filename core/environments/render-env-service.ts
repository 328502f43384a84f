import { stringify } from 'yaml';
import type { KubeObject } from '../cluster/gateway.ts';
import { InvalidInputError } from '../errors.ts';
import { renderService } from '../render/index.ts';
import type { ServiceVariable } from '../render/variables.ts';
import type { ServiceItem } from '../services/service-item.ts';
import type { EnvironmentItem, EnvServiceItem } from './environment-item.ts';

/** Where each workload kind keeps its pod spec. */
export const WORKLOAD_POD_SPEC: Record<string, (object: Record<string, any>) => Record<string, any> | undefined> = {
  Deployment: (object) => object['spec']?.template?.spec,
  StatefulSet: (object) => object['spec']?.template?.spec,
  DaemonSet: (object) => object['spec']?.template?.spec,
  Job: (object) => object['spec']?.template?.spec,
  CronJob: (object) => object['spec']?.jobTemplate?.spec?.template?.spec,
  Pod: (object) => object['spec'],
};

/**
 * What an environment deploys for one service: the service's YAML rendered
 * with its variables, the environment's values for them (a global variable
 * where `use_global_variable` says so), the system placeholders, the
 * environment's images, and the registry's pull secret on every pod.
 */
export function renderEnvService({
  env,
  service,
  envService,
  globals,
  pullSecretName,
}: {
  env: Pick<EnvironmentItem, 'project' | 'key' | 'namespace'>;
  service: Pick<ServiceItem, 'name' | 'yaml' | 'variables'>;
  envService: Pick<EnvServiceItem, 'variableKvs' | 'containers'>;
  globals: readonly ServiceVariable[];
  pullSecretName?: string | undefined;
}): { yaml: string; objects: KubeObject[] } {
  const overrides = envService.variableKvs.map((kv) => {
    if (!kv.use_global_variable) return { key: kv.key, value: kv.value ?? '' };
    const global = globals.find((variable) => variable.key === kv.key);
    if (!global)
      throw new InvalidInputError(
        `service "${service.name}" takes global variable "${kv.key}", which the environment does not define`,
        'variable_kvs',
      );
    return { key: kv.key, value: global.value };
  });
  const rendered = renderService({
    template: service.yaml,
    variables: service.variables,
    overrides,
    placeholders: { namespace: env.namespace, envName: env.key, product: env.project, service: service.name },
  });
  const images = new Map(envService.containers.map((container) => [container.name, container.image]));
  const unknown = [...images.keys()].filter(
    (name) => !rendered.containers.some((container) => container.name === name),
  );
  if (unknown.length > 0)
    throw new InvalidInputError(
      `service "${service.name}" has no container ${unknown.map((name) => `"${name}"`).join(', ')}`,
      'containers',
    );

  const objects = rendered.objects.map((object) => structuredClone(object) as unknown as KubeObject);
  for (const object of objects) {
    const podSpec = WORKLOAD_POD_SPEC[object.kind]?.(object);
    if (!podSpec) continue;
    for (const container of [...(podSpec['containers'] ?? []), ...(podSpec['initContainers'] ?? [])]) {
      const image = images.get(container.name);
      if (image) container.image = image;
    }
    if (pullSecretName) {
      const secrets: Array<{ name: string }> = podSpec['imagePullSecrets'] ?? [];
      if (!secrets.some((secret) => secret.name === pullSecretName))
        podSpec['imagePullSecrets'] = [...secrets, { name: pullSecretName }];
    }
  }
  return { yaml: objects.map((object) => stringify(object)).join('---\n'), objects };
}

/** Global variables of an environment, typed like the services that declare them (else strings). */
export function typeGlobalVariables(
  values: ReadonlyArray<{ key: string; value: unknown }>,
  services: ReadonlyArray<Pick<ServiceItem, 'variables'>>,
): ServiceVariable[] {
  return values.map(({ key, value }) => {
    const declaration = services.flatMap((service) => service.variables).find((variable) => variable.key === key);
    return {
      key,
      value,
      type: declaration?.type ?? 'string',
      options: declaration?.options ?? [],
      desc: declaration?.desc ?? '',
    };
  });
}

/**
 * `use_global_variable` with a value, for a key the environment has no
 * global variable for, defines that global with the value: the spec's own
 * "Update Service" example asks for `{"key": "cpu", "value": "4m",
 * "use_global_variable": true}` in an environment without a global `cpu`.
 */
export function withPromotedGlobals(
  globals: readonly ServiceVariable[],
  inputs: ReadonlyArray<{
    variable_kvs: ReadonlyArray<{ key: string; value?: unknown; use_global_variable: boolean }>;
  }>,
  services: ReadonlyArray<Pick<ServiceItem, 'variables'>>,
): ServiceVariable[] {
  const result = [...globals];
  for (const kv of inputs.flatMap((input) => input.variable_kvs)) {
    if (!kv.use_global_variable || kv.value === undefined || result.some((variable) => variable.key === kv.key))
      continue;
    result.push(...typeGlobalVariables([{ key: kv.key, value: kv.value }], services));
  }
  return result;
}
