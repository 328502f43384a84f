import * as v from 'valibot';
import { AppName, AppVersion, CreateAppInput, DeleteAppsInput } from '../../core/apps/schemas.ts';
import { OteProjectName } from '../../core/repository/schemas.ts';
import { defineRoute } from '../http/contract.ts';
import { ResourceId } from '../ote/ids.ts';
import { NameMode, OtePaging } from '../ote/paging.ts';

const tags = ['ote-app'] as const;
const success = { code: 200, message: 'success' };

export const exampleApp = {
  id: 1,
  appName: 'nginx1',
  status: 1,
  deployType: 'deployment',
  image: 'nginx:latest',
  projectName: 'proj1',
  repositoryId: 'repo1',
  version: '1.2',
  replicas: 10,
  port: [{ port: 8080, hostPort: 9090, protocol: 'TCP' }],
  command: '',
  volume: [{ path: '/host/usr/bin', hostPath: '/usr/bin', readOnly: true }],
  dependence: [],
  env: [{ name: 'NGINX_PATH', value: '/usr/share/nginx/' }],
  minReplicas: 2,
  maxReplicas: 20,
  minCPU: 0.1,
  maxCPU: 2,
  GPU: 0,
  isHPA: true,
  targetCPUUtilization: 100,
  targetMemUtilization: 150,
  minMemory: 100,
  maxMemory: 200,
  maxUnavailable: 1,
  maxSurge: 1,
  minReadySeconds: 10,
  createTime: 1551758321,
  updateTime: 1551758321,
};

const CreateChartAppInput = v.object({
  appName: AppName,
  version: AppVersion,
  projectName: v.optional(OteProjectName),
  chart: v.instance(File, 'must be the chart archive (.tgz), sent as a file part'),
});
const CreateChartAppDocs = v.object({
  appName: v.string(),
  version: v.string(),
  projectName: v.optional(v.string()),
  chart: v.pipe(v.string(), v.description('The chart archive (.tgz), as `helm package` writes it')),
});

const AppIdParam = v.strictObject({
  appId: ResourceId,
});

export const oteAppRoutes = {
  createApp: defineRoute({
    method: 'post',
    path: '/v1/app',
    summary: 'Create an application version (name and version are immutable: a change is a new version)',
    tags,
    access: 'token',
    body: CreateAppInput,
    rules: [
      'minReplicas, minCPU and minMemory must not be above maxReplicas, maxCPU and maxMemory',
      'a deployment (deployType) must not have both maxUnavailable and maxSurge 0',
      'a deployment (deployType) with isHPA true needs maxReplicas of at least 1',
    ],
    responses: {
      201: {
        description: 'Created; `data.id` is the application id',
        example: { code: 201, message: 'success', data: exampleApp },
      },
      409: { description: 'This name and version exist' },
      415: { description: 'The body is not application/json' },
    },
  }),
  createChartApp: defineRoute({
    method: 'post',
    path: '/v1/app/chart',
    summary:
      'Upload a Helm chart (.tgz) to create an application version: checked, linted and rendered, then stored as an OCI artifact by digest',
    tags,
    access: 'token',
    body: CreateChartAppInput,
    bodyFormats: ['multipart'],
    docs: { body: CreateChartAppDocs },
    responses: {
      201: {
        description: 'Created; `data.id` is the application id, `data.deployType` is `chart`',
        example: {
          code: 201,
          message: 'success',
          data: {
            id: 2,
            appName: 'test1',
            status: 0,
            projectName: 'proj1',
            version: '1.2',
            createTime: 1551758321,
            updateTime: 1551758321,
            deployType: 'chart',
            chartName: 'web',
            chartVersion: '0.1.0',
            digest: `sha256:${'0'.repeat(64)}`,
          },
        },
      },
      400: { description: 'The archive or its chart is refused; the message names the entry or Helm’s finding' },
      409: { description: 'This name and version exist' },
      413: { description: 'The archive is larger than 4 MiB' },
    },
  }),
  listApps: defineRoute({
    method: 'get',
    path: '/v1/app',
    summary: 'List applications (the list is both `data` and, as the document shows it, `apps`)',
    tags,
    access: 'token',
    query: v.object({
      appName: v.optional(v.string()),
      appNameMode: NameMode,
      version: v.optional(AppVersion),
      ...OtePaging,
    }),
    responses: {
      200: {
        description: 'A page of applications',
        example: { data: [exampleApp], apps: [exampleApp], total: 1, ...success },
      },
    },
  }),
  getApp: defineRoute({
    method: 'get',
    path: '/v1/app/id/:appId',
    summary: 'Return specified application information by ID',
    tags,
    access: 'token',
    params: AppIdParam,
    responses: { 200: { description: 'The application', example: { data: exampleApp, ...success } } },
  }),
  deleteApps: defineRoute({
    method: 'delete',
    path: '/v1/app',
    summary: 'Delete applications by id (all or none)',
    tags,
    access: 'token',
    body: DeleteAppsInput,
    responses: {
      200: { description: 'Deleted', example: success },
      409: { description: 'An application has live deployments (named); nothing was deleted' },
    },
  }),
};
