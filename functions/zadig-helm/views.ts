import type { ChartTemplateItem, ChartVersionItem } from '../../core/charts/chart-item.ts';
import type { NewHelmService } from '../../core/charts/create-helm-service.ts';
import type { SyncResult } from '../../core/charts/manage-charts.ts';
import { wireFieldsFrom } from '../zadig/errors.ts';
import { unixSeconds } from '../zadig/views.ts';
import type { HelmEnvServiceInput } from '../../core/environments/helm-env-services.ts';
import type { NewHelmEnvironment } from '../../core/environments/schemas.ts';
import { InvalidInputError, field, text } from '../../core/errors.ts';
import type { AddHelmEnvServicesInput, CreateHelmEnvironmentInput, LoadHelmServiceInput } from './schemas.ts';

/** The zadig-helm group's wire names: request bodies to the domain's inputs, domain data to Zadig's responses. */

export const wireField = wireFieldsFrom({
  autoSync: 'auto_sync',
  serviceName: 'service_name',
  subEnv: 'sub_env',
  importValuesFromGit: 'import_values_from_git',
  valuesYaml: 'values_yaml',
  overrideKvs: 'override_kvs',
  deployStrategy: 'deploy_strategy',
});

export const SUCCESS = { message: 'success' } as const;

export const helmServiceFrom = (body: LoadHelmServiceInput): NewHelmService => ({
  project: body.project_key,
  name: body.service_name,
  template: body.template_name,
  autoSync: body.auto_sync,
  variables: body.variables,
  valuesYaml: body.values_yaml,
});

export const chartTemplateView = (template: ChartTemplateItem) => ({
  name: template.name,
  version: template.chartVersion,
  app_version: template.appVersion ?? '',
  description: template.description ?? '',
  digest: template.digest,
  values_yaml: template.valuesYaml,
  variables: template.variables,
  created_by: template.createdBy,
  created_time: unixSeconds(template.createdAt),
  updated_by: template.updatedBy,
  updated_time: unixSeconds(template.updatedAt),
});

export const chartVersionView = (version: ChartVersionItem) => ({
  version: version.chartVersion,
  app_version: version.appVersion ?? '',
  digest: version.digest,
  sha256: version.sha256,
  size: version.size,
  uploaded_by: version.uploadedBy,
  uploaded_time: unixSeconds(version.uploadedAt),
});

/** What an upload answers: the template as stored, and the followers rendered again from it. */
export const uploadView = (result: { template: ChartTemplateItem; created: boolean } & SyncResult) => ({
  ...SUCCESS,
  name: result.template.name,
  version: result.template.chartVersion,
  digest: result.template.digest,
  synced_services: result.synced,
  sync_errors: result.failed.map(({ service, error }) => ({ service, error: error.describe(wireField) })),
});

/**
 * A Helm environment is created empty, as Zadig creates it; services join
 * through the services route. Sub-environments on creation are not
 * supported yet (see docs/decisions.md): asking for one is a 400 naming it.
 */
export const helmEnvironmentFrom = (body: CreateHelmEnvironmentInput): NewHelmEnvironment => {
  if (body.sub_env?.enable)
    throw new InvalidInputError(
      text`${field('subEnv')}: creating a Helm environment as a sub-environment is not supported yet; create it, then share it from its base environment`,
      'subEnv',
    );
  return {
    key: body.env_name,
    name: body.alias,
    clusterId: body.cluster_id,
    namespace: body.namespace,
    registryId: body.registry_id,
    configs: [],
  };
};

/** Reading values files from a code host is not supported (see docs/decisions.md): a 400 naming the field. */
export const helmEnvServicesFrom = (body: AddHelmEnvServicesInput): HelmEnvServiceInput[] =>
  body.services.map((service, index) => {
    if (service.import_values_from_git)
      throw new InvalidInputError(
        text`${field(`services[${index}].importValuesFromGit`)}: values from a code host are not supported; send them as ${field(`services[${index}].valuesYaml`)}`,
        `services[${index}].importValuesFromGit`,
      );
    return {
      name: service.service_name,
      deployStrategy: service.deploy_strategy,
      valuesYaml: service.values_yaml,
      overrideKvs: service.override_kvs,
    };
  });
