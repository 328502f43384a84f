import { writeYaml } from '../yaml/write.ts';
import type { KubeObject } from '../cluster/gateway.ts';
import { InvalidInputError } from '../errors.ts';
import { renderService } from '../render/index.ts';
import type { ServiceVariable } from '../render/variables.ts';
import type { ServiceItem } from '../services/service-item.ts';
import { takesGlobal, type EnvironmentItem, type EnvServiceItem } from './environment-item.ts';
import type { EnvServiceValues } from './new-environment.ts';

/** The parts of a pod spec an environment changes: images and the registry's pull secret. */
export type PodSpec = {
  containers?: Array<{ name: string; image?: string }>;
  initContainers?: Array<{ name: string; image?: string }>;
  imagePullSecrets?: Array<{ name: string }>;
};
type PodTemplate = { spec?: PodSpec };
type WorkloadSpec = { template?: PodTemplate; jobTemplate?: { spec?: { template?: PodTemplate } } };

/** An object's `spec`, as rendered YAML (not validated) gives it. */
const specOf = <T>(object: KubeObject) => object['spec'] as T | undefined;

/** Where each workload kind keeps its pod spec. */
export const WORKLOAD_POD_SPEC: Readonly<Record<string, (object: KubeObject) => PodSpec | undefined>> = {
  Deployment: (object) => specOf<WorkloadSpec>(object)?.template?.spec,
  StatefulSet: (object) => specOf<WorkloadSpec>(object)?.template?.spec,
  DaemonSet: (object) => specOf<WorkloadSpec>(object)?.template?.spec,
  Job: (object) => specOf<WorkloadSpec>(object)?.template?.spec,
  CronJob: (object) => specOf<WorkloadSpec>(object)?.jobTemplate?.spec?.template?.spec,
  Pod: (object) => specOf<PodSpec>(object),
};

/** Every container of a pod spec, init containers included. */
export const podContainers = (podSpec: PodSpec | undefined) => [
  ...(podSpec?.containers ?? []),
  ...(podSpec?.initContainers ?? []),
];

/**
 * What an environment deploys for one service: the service's YAML rendered
 * with its variables, the environment's values for them (a global variable
 * where the value says so), the system placeholders, the
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
    if (!takesGlobal(kv)) return { key: kv.key, value: kv.value ?? '' };
    const global = globals.find((variable) => variable.key === kv.key);
    if (!global)
      throw new InvalidInputError(
        `service "${service.name}" takes global variable "${kv.key}", which the environment does not define`,
        'variables',
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
    for (const container of podContainers(podSpec)) {
      const image = images.get(container.name);
      if (image) container.image = image;
    }
    if (pullSecretName) {
      const secrets = podSpec.imagePullSecrets ?? [];
      if (!secrets.some((secret) => secret.name === pullSecretName))
        podSpec.imagePullSecrets = [...secrets, { name: pullSecretName }];
    }
  }
  return { yaml: objects.map((object) => writeYaml(object)).join('---\n'), objects };
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
 * A value that takes the global variable, for a key the environment has no
 * global variable for, defines that global with the value: the spec's own
 * "Update Service" example asks for `cpu` = `4m` from the global variable in
 * an environment without a global `cpu`.
 */
export function withPromotedGlobals(
  globals: readonly ServiceVariable[],
  envServices: ReadonlyArray<Pick<EnvServiceItem, 'variableKvs'>>,
  services: ReadonlyArray<Pick<ServiceItem, 'variables'>>,
): ServiceVariable[] {
  const result = [...globals];
  for (const kv of envServices.flatMap((envService) => envService.variableKvs)) {
    if (!takesGlobal(kv) || kv.value === undefined || result.some((variable) => variable.key === kv.key)) continue;
    result.push(...typeGlobalVariables([{ key: kv.key, value: kv.value }], services));
  }
  return result;
}

/** Renders every service as the worker will, so a value outside its type or a missing global is a 400 now. */
export function checkRenders(
  env: Pick<EnvironmentItem, 'project' | 'key' | 'namespace'>,
  services: readonly ServiceItem[],
  values: readonly EnvServiceValues[],
  globals: EnvironmentItem['globalVariables'],
): void {
  services.forEach((service, index) => {
    renderEnvService({ env, service, envService: values[index]!, globals });
  });
}
