import * as v from 'valibot';
import { Rfc1123Label } from '../names.ts';

/** Environment keys; a few are path segments of the API and cannot name an environment. */
const RESERVED_ENV_KEYS = ['production', 'service', 'services', 'envcfg', 'envcfgs', 'scale', 'kube', 'image', 'helm'];
export const EnvKey = v.pipe(
  Rfc1123Label,
  v.notValues(RESERVED_ENV_KEYS, `must not be one of ${RESERVED_ENV_KEYS.join(', ')} (reserved by the API's paths)`),
);

export const EnvConfigType = v.picklist(['ConfigMap', 'Secret', 'Ingress', 'PVC']);
export type EnvConfigType = v.InferOutput<typeof EnvConfigType>;

/** An environment's value for a service variable; `useGlobalVariable` takes the environment's global value instead. */
export type EnvVariableValue = { key: string; value?: unknown; useGlobalVariable: boolean };

/** The image an environment runs in one container of a service. */
export type ContainerImage = { name: string; image: string };

/** A project service as an environment runs it: its values, and images that replace the service's own. */
export type EnvServiceInput = { name: string; variables: EnvVariableValue[]; containers: ContainerImage[] };

export type GlobalVariableValue = { key: string; value: unknown };

/** An environment configuration (ConfigMap, Secret, Ingress, PVC) as YAML. */
export type EnvConfig = { type: EnvConfigType; yaml: string };

export type NewEnvironment = {
  key: string;
  /** The production alias; the key when absent. */
  name?: string | undefined;
  clusterId: string;
  namespace: string;
  registryId: string;
  globalVariables: GlobalVariableValue[];
  services: EnvServiceInput[];
  configs: EnvConfig[];
  /** Zadig's `sub_env`: the shared environment this one becomes a sub-environment of. */
  baseEnv?: string | undefined;
};

/** A Helm environment starts without services (each comes later as its own release) and without variables. */
export type NewHelmEnvironment = Omit<NewEnvironment, 'services' | 'globalVariables'>;

/** Production edits take the registry or the alias; test edits the registry. */
export type EnvironmentChange = { registryId?: string | undefined; name?: string | undefined };
