import * as v from 'valibot';
import { ProjectKey } from '../../core/auth/schemas.ts';
import { ServiceName } from '../../core/services/schemas.ts';

/** Zadig's request bodies for Helm templates, services and environments, in its wire names. */

const NotEmpty = v.pipe(v.string(), v.minLength(1, 'must not be empty'));
const ValuesYaml = v.pipe(v.string(), v.maxLength(512 * 1024));

/** Zadig's KeyVal: the value is any JSON ("use json format if nested"). */
const KeyVal = v.object({ key: NotEmpty, value: v.unknown() });

/**
 * A chart upload: the archive as the `file` part of a multipart form, and
 * (optionally) `variables`, the defaults of the variables its values.yaml
 * reads, as a JSON list of `{key, value}`.
 */
export const UploadChartInput = v.object({
  file: v.instance(File, 'must be the chart archive (.tgz), sent as a file part'),
  variables: v.optional(v.pipe(v.string(), v.parseJson(undefined, 'must be JSON'), v.array(KeyVal)), '[]'),
});
/** The upload as the OpenAPI document shows it. */
export const UploadChartDocs = v.object({
  file: v.pipe(v.string(), v.description('The chart archive (.tgz), as `helm package` writes it')),
  variables: v.optional(
    v.pipe(v.string(), v.description('JSON list of {key, value}: defaults for the variables values.yaml reads')),
  ),
});

export const LoadHelmServiceInput = v.object({
  project_key: ProjectKey,
  service_name: ServiceName,
  production: v.optional(v.boolean(), false),
  template_name: NotEmpty,
  values_yaml: v.optional(ValuesYaml, ''),
  variables: v.optional(v.array(KeyVal), []),
  auto_sync: v.optional(v.boolean(), false),
});
export type LoadHelmServiceInput = v.InferOutput<typeof LoadHelmServiceInput>;
