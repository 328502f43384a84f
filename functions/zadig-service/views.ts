import type { HelmServiceChart } from '../../core/charts/helm-service.ts';
import type { DomainError } from '../../core/errors.ts';
import type { ProjectItem } from '../../core/projects/project-item.ts';
import type { NewProject } from '../../core/projects/schemas.ts';
import type { NewRawService, NewTemplateService } from '../../core/services/schemas.ts';
import type { ServiceItem } from '../../core/services/service-item.ts';
import type { NewTemplate, TemplateChange } from '../../core/templates/schemas.ts';
import type { TemplateItem } from '../../core/templates/template-item.ts';
import { writeYaml } from '../../core/yaml/write.ts';
import { wireFieldsFrom } from '../zadig/errors.ts';
import { unixSeconds } from '../zadig/views.ts';
import type {
  CreateProjectInput,
  CreateRawServiceInput,
  CreateTemplateInput,
  LoadTemplateServiceInput,
  UpdateServiceVariablesInput,
  UpdateTemplateInput,
} from './schemas.ts';

/**
 * The zadig-service group's wire names: request bodies to the domain's
 * inputs, domain data to Zadig's responses, and the fields errors name.
 */

export const wireField = wireFieldsFrom({ autoSync: 'auto_sync' });

export const SUCCESS = { message: 'success' } as const;

/* Requests */

export const newProjectFrom = (body: CreateProjectInput): NewProject => ({
  key: body.project_key,
  name: body.project_name,
  description: body.description,
  isPublic: body.is_public,
  type: body.project_type,
});

export const newTemplateFrom = (body: CreateTemplateInput): NewTemplate => ({
  name: body.name,
  content: body.content,
  variables: body.service_variable_kvs,
});

export const templateChangeFrom = (body: UpdateTemplateInput): TemplateChange => ({
  content: body.content,
  variables: body.service_variable_kvs,
});

export const templateServiceFrom = (body: LoadTemplateServiceInput): NewTemplateService => ({
  project: body.project_key,
  name: body.service_name,
  template: body.template_name,
  autoSync: body.auto_sync,
  values: body.variable_yaml,
});

export const rawServiceFrom = (body: CreateRawServiceInput): NewRawService => ({
  name: body.service_name,
  yaml: body.yaml,
  variables: body.variable_yaml,
});

export const serviceVariablesFrom = (body: UpdateServiceVariablesInput) => body.service_variable_kvs;

/* Responses */

export const projectView = (project: ProjectItem) => ({
  project_key: project.key,
  project_name: project.name,
  description: project.description,
  is_public: project.isPublic,
  project_type: project.type,
  created_by: project.createdBy,
  created_time: unixSeconds(project.createdAt),
  updated_time: unixSeconds(project.updatedAt),
});

export const templateView = (template: TemplateItem) => ({
  name: template.name,
  content: template.content,
  service_variable_kvs: template.variables,
  created_by: template.createdBy,
  created_time: unixSeconds(template.createdAt),
  updated_by: template.updatedBy,
  updated_time: unixSeconds(template.updatedAt),
});

/** The services its followers were rendered again for, and the ones that could not be. */
export const templateSyncView = (result: {
  synced: string[];
  failed: Array<{ service: string; error: DomainError }>;
}) => ({
  ...SUCCESS,
  synced_services: result.synced,
  sync_errors: result.failed.map(({ service, error }) => ({ service, error: error.describe(wireField) })),
});

export const serviceSummaryView = (service: Pick<ServiceItem, 'name' | 'containers' | 'type'>) => ({
  service_name: service.name,
  type: service.type ?? 'k8s',
  containers: service.containers,
});

export const serviceDetailView = (service: ServiceItem) => ({
  service_name: service.name,
  type: service.type ?? 'k8s',
  created_by: service.createdBy,
  created_time: unixSeconds(service.createdAt),
  yaml: service.yaml,
  containers: service.containers,
  service_variable_kvs: service.variables,
  template_name: service.templateName ?? '',
  auto_sync: service.autoSync,
  revision: service.revision,
  updated_by: service.updatedBy,
  updated_time: unixSeconds(service.updatedAt),
  ...(service.helm ? helmDetail(service.helm) : {}),
});

/** A Helm service's chart and values, as `template/load/helm` took them and as they merged. */
const helmDetail = (helm: HelmServiceChart) => ({
  chart_name: helm.chartName,
  chart_version: helm.chartVersion,
  values_yaml: writeYaml(helm.values),
  variables: helm.variables,
  override_values_yaml: helm.valuesYaml,
});
