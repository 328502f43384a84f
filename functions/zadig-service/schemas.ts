import * as v from 'valibot';
import { ProjectKey } from '../../core/auth/schemas.ts';
import { ProjectDescription, ProjectName, ProjectType } from '../../core/projects/schemas.ts';
import { ServiceVariable, VariableValue } from '../../core/render/schemas.ts';
import { ServiceName, ServiceYaml } from '../../core/services/schemas.ts';
import { TemplateContent, TemplateName } from '../../core/templates/schemas.ts';
import { refused } from '../zadig/schemas.ts';

/** Zadig's request bodies for projects, templates and services, in its wire names. */

export const CreateProjectInput = v.object({
  project_key: ProjectKey,
  project_name: ProjectName,
  description: v.optional(ProjectDescription, ''),
  is_public: v.optional(v.boolean(), false),
  project_type: ProjectType,
});
export type CreateProjectInput = v.InferOutput<typeof CreateProjectInput>;

export const LoadTemplateServiceInput = v.object({
  service_name: ServiceName,
  project_key: ProjectKey,
  template_name: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
  auto_sync: v.optional(v.boolean(), false),
  variable_yaml: v.optional(v.array(VariableValue), []),
});
export type LoadTemplateServiceInput = v.InferOutput<typeof LoadTemplateServiceInput>;

export const LoadProductionTemplateServiceInput = v.object({
  ...LoadTemplateServiceInput.entries,
  production: v.optional(v.literal(true, 'must be true: this route creates production services')),
  yaml: refused(
    'a service loaded from a template takes its YAML from the template; send your own YAML to POST /openapi/service/yaml/production/raw',
  ),
});

export const CreateRawServiceInput = v.object({
  service_name: ServiceName,
  yaml: ServiceYaml,
  variable_yaml: v.optional(v.array(ServiceVariable), []),
});
export type CreateRawServiceInput = v.InferOutput<typeof CreateRawServiceInput>;

export const UpdateServiceYamlInput = v.object({
  type: v.literal('k8s', 'must be k8s'),
  yaml: ServiceYaml,
});

export const UpdateServiceVariablesInput = v.object({
  service_variable_kvs: v.array(ServiceVariable),
});
export type UpdateServiceVariablesInput = v.InferOutput<typeof UpdateServiceVariablesInput>;

export const CreateTemplateInput = v.object({
  name: TemplateName,
  content: TemplateContent,
  service_variable_kvs: v.optional(v.array(ServiceVariable), []),
});
export type CreateTemplateInput = v.InferOutput<typeof CreateTemplateInput>;

export const UpdateTemplateInput = v.object({
  content: TemplateContent,
  service_variable_kvs: v.optional(v.array(ServiceVariable)),
});
export type UpdateTemplateInput = v.InferOutput<typeof UpdateTemplateInput>;
