import * as v from 'valibot';
import { Rfc1123Subdomain } from '../names.ts';
import { EnvConfigType } from './schemas.ts';

/** A configuration's type, exactly as Zadig spells it. */
export const EnvConfigTypeName = v.picklist(
  EnvConfigType.options,
  `must be one of ${EnvConfigType.options.join(', ')}`,
);
export type EnvConfigTypeName = v.InferOutput<typeof EnvConfigTypeName>;

/** An environment configuration is named as its Kubernetes object is. */
export const EnvConfigName = Rfc1123Subdomain;

/** A configuration to add: its object's own `metadata.name` names it. */
export type NewEnvConfig = { type: EnvConfigTypeName; yaml: string };

/** A configuration's new YAML; `name`, when given, must be the object's. */
export type EnvConfigChange = { type: EnvConfigTypeName; yaml: string; name?: string | undefined };
