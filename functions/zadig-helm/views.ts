import type { ChartTemplateItem, ChartVersionItem } from '../../core/charts/chart-item.ts';
import type { NewHelmService } from '../../core/charts/create-helm-service.ts';
import type { SyncResult } from '../../core/charts/manage-charts.ts';
import { wireFieldsFrom } from '../zadig/errors.ts';
import { unixSeconds } from '../zadig/views.ts';
import type { LoadHelmServiceInput } from './schemas.ts';

/** The zadig-helm group's wire names: request bodies to the domain's inputs, domain data to Zadig's responses. */

export const wireField = wireFieldsFrom({
  autoSync: 'auto_sync',
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
