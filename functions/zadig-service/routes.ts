import * as v from 'valibot';
import { ProjectKey } from '../../core/auth/schemas.ts';
import { ServiceLabels, ServiceName } from '../../core/services/schemas.ts';
import type { ServiceScope } from '../../core/services/scope.ts';
import { TemplateName } from '../../core/templates/schemas.ts';
import { defineRoute } from '../http/contract.ts';
import { PageNumberQuery } from '../zadig/schemas.ts';
import {
  CreateProjectInput,
  CreateRawServiceInput,
  CreateTemplateInput,
  LoadProductionTemplateServiceInput,
  LoadTemplateServiceInput,
  UpdateServiceVariablesInput,
  UpdateServiceYamlInput,
  UpdateTemplateInput,
} from './schemas.ts';

/** What core checks of a service's YAML and variables, where no schema can. */
const YAML_RULE =
  'yaml must hold Kubernetes objects: each YAML document a mapping with apiVersion, kind and metadata.name';
const TEMPLATE_RULE =
  'content must be a template (Go text/template) that renders, with its variables, to Kubernetes objects';
const VARIABLE_RULE =
  'each variable value must fit its type: bool true or false, enum one of its options (an enum must have options), yaml a YAML text';
const VALUE_RULE = 'each value must name a variable the template declares and fit that variable’s type';

const success = { 200: { description: 'Done', example: { message: 'success' } } } as const;
const ProjectKeyQuery = v.object({ projectKey: ProjectKey });
const ServiceParams = v.object({ serviceName: ServiceName });
const TemplateParams = v.object({ name: TemplateName });

const exampleContainer = {
  name: 'myapp-1',
  image: 'koderover.tencentcloudcr.com/koderover-demo/myapp-1:v0.1__linux_amd64',
  image_name: 'myapp-1',
};
const exampleDetail = {
  service_name: 'service2',
  type: 'k8s',
  created_by: 'admin',
  created_time: 1689660993,
  yaml: 'apiVersion: apps/v1\nkind: Deployment\n...',
  containers: [
    { name: 'service2', image: 'koderover.******.com/koderover-demo/service2:latest', image_name: 'service2' },
  ],
  service_variable_kvs: [{ key: 'cpuLimit', value: '55m', type: 'string', options: [], desc: '' }],
};

const projectRoutes = {
  createProject: defineRoute({
    method: 'post',
    path: '/openapi/projects/project',
    summary: 'Create a project',
    tags: ['zadig-service'],
    access: 'admin',
    body: CreateProjectInput,
    responses: success,
  }),
  listProjects: defineRoute({
    method: 'get',
    path: '/openapi/projects/project',
    summary: 'List projects (a scoped token sees its own)',
    tags: ['zadig-service'],
    access: 'token',
    query: PageNumberQuery,
    responses: {
      200: {
        description: 'A page of projects',
        example: {
          total: 1,
          projects: [
            { project_key: 'demo', project_name: 'Demo', description: '', is_public: false, project_type: 'yaml' },
          ],
        },
      },
    },
  }),
  getProject: defineRoute({
    method: 'get',
    path: '/openapi/projects/project/detail',
    summary: 'Read a project',
    tags: ['zadig-service'],
    access: 'token',
    query: ProjectKeyQuery,
    responses: {
      200: {
        description: 'The project',
        example: {
          project_key: 'demo',
          project_name: 'Demo',
          description: '',
          is_public: false,
          project_type: 'yaml',
          created_by: 'admin',
          created_time: 1689660993,
          updated_time: 1689660993,
        },
      },
    },
  }),
  deleteProject: defineRoute({
    method: 'delete',
    path: '/openapi/projects/project',
    summary: 'Delete a project and its services (refused while it has environments)',
    tags: ['zadig-service'],
    access: 'admin',
    query: ProjectKeyQuery,
    responses: { ...success, 409: { description: 'The project still has environments' } },
  }),
};

const templateRoutes = {
  createTemplate: defineRoute({
    method: 'post',
    path: '/openapi/templates/yaml',
    summary: 'Create a K8s YAML service template',
    tags: ['zadig-service'],
    access: 'cluster',
    body: CreateTemplateInput,
    rules: [TEMPLATE_RULE, VARIABLE_RULE],
    responses: success,
  }),
  listTemplates: defineRoute({
    method: 'get',
    path: '/openapi/templates/yaml',
    summary: 'List K8s YAML templates',
    tags: ['zadig-service'],
    access: 'token',
    query: PageNumberQuery,
    responses: { 200: { description: 'A page of templates', example: { total: 0, templates: [] } } },
  }),
  getTemplate: defineRoute({
    method: 'get',
    path: '/openapi/templates/yaml/:name',
    summary: 'Read a K8s YAML template',
    tags: ['zadig-service'],
    access: 'token',
    params: TemplateParams,
    responses: { 200: { description: 'The template' } },
  }),
  updateTemplate: defineRoute({
    method: 'put',
    path: '/openapi/templates/yaml/:name',
    summary: 'Change a template; services that follow it (auto_sync) are rendered again',
    tags: ['zadig-service'],
    access: 'cluster',
    params: TemplateParams,
    body: UpdateTemplateInput,
    rules: [TEMPLATE_RULE, VARIABLE_RULE],
    responses: {
      200: {
        description: 'The template and the services re-rendered',
        example: { message: 'success', synced_services: ['demo/service1'], sync_errors: [] },
      },
    },
  }),
  deleteTemplate: defineRoute({
    method: 'delete',
    path: '/openapi/templates/yaml/:name',
    summary: 'Delete a template no service follows',
    tags: ['zadig-service'],
    access: 'cluster',
    params: TemplateParams,
    responses: { ...success, 409: { description: 'Services follow the template' } },
  }),
};

/** The service routes of one scope; production's live under `/production`. */
function serviceRoutes(scope: ServiceScope) {
  const base = scope === 'production' ? '/openapi/service/yaml/production' : '/openapi/service/yaml';
  const tags = ['zadig-service'] as const;
  const what = scope === 'production' ? 'production service' : 'test service';
  return {
    list: defineRoute({
      method: 'get',
      path: `${base}/services`,
      summary: `List the ${what}s of a project`,
      tags,
      access: 'token',
      query: ProjectKeyQuery,
      responses: {
        200: {
          description: 'The services',
          example:
            scope === 'production'
              ? [{ service_name: 'service-1', type: 'k8s', containers: [exampleContainer] }]
              : { service: [{ service_name: 'service-1', type: 'k8s', containers: [exampleContainer] }] },
        },
      },
    }),
    detail: defineRoute({
      method: 'get',
      path: `${base}/:serviceName`,
      summary: `Read a ${what}`,
      tags,
      access: 'token',
      params: ServiceParams,
      query: ProjectKeyQuery,
      responses: { 200: { description: 'The service', example: exampleDetail } },
    }),
    labels: defineRoute({
      method: 'get',
      path: `${base}/:serviceName/labels`,
      summary: `Read a ${what}'s labels`,
      tags,
      access: 'token',
      params: ServiceParams,
      query: ProjectKeyQuery,
      responses: { 200: { description: 'The labels', example: [{ key: 'key', value: 'value' }] } },
    }),
    setLabels: defineRoute({
      method: 'put',
      path: `${base}/:serviceName/labels`,
      summary: `Replace a ${what}'s labels`,
      tags,
      access: 'token',
      params: ServiceParams,
      query: ProjectKeyQuery,
      body: ServiceLabels,
      responses: { 200: { description: 'The labels as stored', example: [{ key: 'team', value: 'payments' }] } },
    }),
    loadTemplate: defineRoute({
      method: 'post',
      path:
        scope === 'production'
          ? '/openapi/service/template/production/load/yaml'
          : '/openapi/service/template/load/yaml',
      summary: `Create a ${what} from a YAML template`,
      tags,
      access: 'token',
      // The production document also lists `production` and `yaml`: the path already says production, and the YAML is the template's.
      body: scope === 'production' ? LoadProductionTemplateServiceInput : LoadTemplateServiceInput,
      rules: [VALUE_RULE],
      responses: success,
    }),
    createRaw: defineRoute({
      method: 'post',
      path: `${base}/raw`,
      summary: `Create a ${what} from YAML`,
      tags,
      access: 'token',
      query: ProjectKeyQuery,
      body: CreateRawServiceInput,
      rules: [YAML_RULE, VARIABLE_RULE],
      responses: success,
    }),
    updateYaml: defineRoute({
      method: 'put',
      path: `${base}/:serviceName`,
      summary: `Replace a ${what}'s YAML`,
      tags,
      access: 'token',
      params: ServiceParams,
      query: ProjectKeyQuery,
      body: UpdateServiceYamlInput,
      rules: [YAML_RULE],
      responses: {
        ...success,
        409: { description: 'The service follows its template (auto_sync), or was changed concurrently' },
      },
    }),
    updateVariables: defineRoute({
      method: 'put',
      path: `${base}/:serviceName/variable`,
      summary: `Replace a ${what}'s variables`,
      tags,
      access: 'token',
      params: ServiceParams,
      query: ProjectKeyQuery,
      body: UpdateServiceVariablesInput,
      rules: [VARIABLE_RULE],
      responses: success,
    }),
    remove: defineRoute({
      method: 'delete',
      path: `${base}/:serviceName`,
      summary: `Delete a ${what}`,
      tags,
      access: 'token',
      params: ServiceParams,
      query: ProjectKeyQuery,
      responses: success,
    }),
  };
}

export const SCOPES = ['production', 'test'] as const satisfies readonly ServiceScope[];
export const serviceRoutesByScope = { production: serviceRoutes('production'), test: serviceRoutes('test') };

const flatten = (scope: ServiceScope) =>
  Object.fromEntries(
    Object.entries(serviceRoutesByScope[scope]).map(([name, contract]) => [`${scope}.${name}`, contract]),
  );

export const zadigServiceRoutes = { ...projectRoutes, ...templateRoutes, ...flatten('production'), ...flatten('test') };
export { projectRoutes, templateRoutes };
