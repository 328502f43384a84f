import * as v from 'valibot';
import { ProjectKey } from '../../core/auth/schemas.ts';
import { defineRoute } from '../http/contract.ts';
import { PageNumberQuery } from '../zadig/schemas.ts';
import {
  AddHelmEnvServicesInput,
  CreateHelmEnvironmentInput,
  LoadHelmServiceInput,
  ServiceValuesQuery,
  UploadChartDocs,
  UploadChartInput,
} from './schemas.ts';

const tags = ['zadig-helm'] as const;
const success = { 200: { description: 'Done', example: { message: 'success' } } } as const;
const ChartParams = v.object({
  name: v.pipe(v.string(), v.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a chart name')),
});

const exampleTemplate = {
  name: 'general-chart',
  version: '0.1.0',
  app_version: '1.0',
  description: 'A general chart',
  digest: 'sha256:11ab171b4dfeff3442091803e0260c77ef826329af5b6c40771f0416838c47e8',
  values_yaml: 'replicaCount: 1\nport: "{{.port}}"\n',
  variables: [{ key: 'port' }],
  created_by: 'admin',
  created_time: 1689660993,
  updated_by: 'admin',
  updated_time: 1689660993,
};

/** Chart templates, beside the YAML templates (`/openapi/templates/yaml`) and in their style. */
export const chartTemplateRoutes = {
  uploadChart: defineRoute({
    method: 'post',
    path: '/openapi/templates/charts',
    summary:
      'Upload a chart (.tgz, multipart `file`) as a template version: checked, linted and rendered, then stored as an OCI artifact; services that follow the template (auto_sync) move to it',
    tags,
    access: 'cluster',
    body: UploadChartInput,
    bodyFormats: ['multipart'],
    docs: { body: UploadChartDocs },
    responses: {
      200: {
        description: 'Stored (or the same bytes were already stored under this version)',
        example: {
          message: 'success',
          name: 'general-chart',
          version: '0.1.0',
          digest: exampleTemplate.digest,
          synced_services: [],
          sync_errors: [],
        },
      },
      400: { description: 'The archive or its chart is refused; the description names the entry or Helm’s finding' },
      409: { description: 'This (name, version) is already stored with other content' },
      413: { description: 'The archive is larger than 4 MiB' },
    },
  }),
  listCharts: defineRoute({
    method: 'get',
    path: '/openapi/templates/charts',
    summary: 'List chart templates',
    tags,
    access: 'token',
    query: PageNumberQuery,
    responses: {
      200: { description: 'A page of chart templates', example: { total: 1, templates: [exampleTemplate] } },
    },
  }),
  getChart: defineRoute({
    method: 'get',
    path: '/openapi/templates/charts/:name',
    summary: 'Read a chart template and its versions',
    tags,
    access: 'token',
    params: ChartParams,
    responses: { 200: { description: 'The chart template', example: { ...exampleTemplate, versions: [] } } },
  }),
  deleteChart: defineRoute({
    method: 'delete',
    path: '/openapi/templates/charts/:name',
    summary: 'Delete a chart template no service follows (its OCI artifacts stay: services address them by digest)',
    tags,
    access: 'cluster',
    params: ChartParams,
    responses: { ...success, 409: { description: 'Services follow the template' } },
  }),
};

export const helmServiceRoutes = {
  loadHelmService: defineRoute({
    method: 'post',
    path: '/openapi/service/template/load/helm',
    summary:
      'Create a Helm service (test, or production with `production: true`) from a chart template: values.yaml rendered with `variables`, `values_yaml` merged on top',
    tags,
    access: 'token',
    query: v.object({ projectKey: v.optional(v.string()) }),
    body: LoadHelmServiceInput,
    responses: success,
  }),
};

const accepted = {
  200: {
    description: 'Recorded; the operation carries it out',
    example: { message: 'success', operation_id: 'k3v9x2ab0c1d' },
  },
} as const;
const valuesExample =
  'fullnameOverride: service3\nimage:\n    repository: koderover.tencentcloudcr.com/test/service3\n    tag: 20250711170816-5-lilian01\nport: 20223\nreplicaCount: 4\n';

export const helmEnvironmentRoutes = {
  createHelmEnvironment: defineRoute({
    method: 'post',
    path: '/openapi/environments/helm',
    summary: 'Create a Helm environment (test, or production with `production: true`); services join it afterwards',
    tags,
    access: 'token',
    query: v.object({ projectKey: v.optional(v.string()) }),
    body: CreateHelmEnvironmentInput,
    responses: accepted,
  }),
  addHelmServices: defineRoute({
    method: 'post',
    path: '/openapi/environments/helm/:name/services',
    summary:
      'Add Helm services to the environment the body names (`env_name`): `deploy` installs the release, `import` records the service',
    tags,
    access: 'token',
    params: v.object({ name: v.string() }),
    query: v.object({ projectKey: ProjectKey }),
    body: AddHelmEnvServicesInput,
    rules: ['import_values_from_git: values from a code host are not supported; send them as values_yaml'],
    responses: accepted,
  }),
  serviceValues: defineRoute({
    method: 'get',
    path: '/openapi/environments/service/values',
    summary: 'The live values of a test environment Helm service’s release (chart defaults included), as YAML text',
    tags,
    access: 'token',
    query: ServiceValuesQuery,
    responses: { 200: { description: 'The values YAML, as a JSON string', example: valuesExample } },
  }),
  productionServiceValues: defineRoute({
    method: 'get',
    path: '/openapi/environments/production/service/values',
    summary: 'The live values of a production environment Helm service’s release, as YAML text',
    tags,
    access: 'token',
    query: ServiceValuesQuery,
    responses: { 200: { description: 'The values YAML, as a JSON string', example: valuesExample } },
  }),
};

export const zadigHelmRoutes = { ...chartTemplateRoutes, ...helmServiceRoutes, ...helmEnvironmentRoutes };
