import * as v from 'valibot';
import { AuditInput, ChangeVersionInput, CreateDeployInput, DeployName } from '../../core/deploys/schemas.ts';
import { defineRoute } from '../http/contract.ts';
import { ResourceId } from '../ote/ids.ts';
import { NameMode, OtePaging } from '../ote/paging.ts';

const tags = ['ote-deploy'] as const;
const success = { code: 200, message: 'success' };

const exampleDeploy = {
  id: 1,
  deployName: 'nginx1',
  appName: 'nginx1',
  version: '1.1.1.1',
  cluster: 'cluster1',
  nodeLabel: 'node1',
  deployType: 1,
  status: 6,
  errorMessage: '{"running":10,"error":3,"total":13}',
  comment: '',
  auditComment: '',
  editable: true,
  createTime: 1551758321,
  updateTime: 1551758321,
};

/**
 * ote-stack reports a deployment that failed in the deployment itself, read
 * with a 200: status 7 (failed) or 8 (internal error), the reason in
 * `errorMessage`. `answer` puts the deployment in the route's envelope.
 */
const deployFailures = (answer: (deploy: typeof exampleDeploy) => unknown) => ({
  failed: answer({
    ...exampleDeploy,
    status: 7,
    errorMessage: '{"running":0,"error":0,"total":0,"reason":"application 3 no longer exists"}',
  }),
  internalError: answer({
    ...exampleDeploy,
    status: 8,
    errorMessage: '{"running":0,"error":0,"total":0,"reason":"cluster edge-1 did not answer"}',
  }),
});

const DeployIdParam = v.strictObject({
  deployId: ResourceId,
});
/** Field names, comma-separated; `historyVersion` adds every version deployed. */
const Field = v.optional(
  v.pipe(
    v.string(),
    v.transform((value) =>
      value
        .split(',')
        .map((field) => field.trim())
        .filter((field) => field !== ''),
    ),
  ),
  '',
);

const create = (path: string, summary: string) =>
  defineRoute({
    method: 'post',
    path,
    summary,
    tags,
    access: 'token',
    body: CreateDeployInput,
    rules: ['cluster must match a registered cluster: its id, one of its label keys, or a selector over its labels'],
    responses: {
      201: {
        description:
          'Recorded: status 1 (approved, carried out by the worker) for an admin, 0 (pending audit) for a user',
        example: {
          code: 201,
          message: 'success',
          data: { ...exampleDeploy, status: 0, errorMessage: '', editable: false },
        },
      },
      400: { description: 'Invalid input, or no registered cluster matches `cluster`' },
      404: { description: 'No such application version' },
      409: { description: 'The name is taken, or a hostPort is already used on a target node (named)' },
    },
  });

const changeVersion = (method: 'post' | 'put', summary: string) =>
  defineRoute({
    method,
    path: '/v1/deploy/id/:deployId',
    summary,
    tags,
    access: 'token',
    params: DeployIdParam,
    body: ChangeVersionInput,
    ...(method === 'put' ? { rules: ['version must be a version the deployment deployed (approved) before'] } : {}),
    responses: {
      200: {
        description: 'Recorded',
        example: { ...success, data: { ...exampleDeploy, deployType: method === 'post' ? 2 : 3 } },
      },
      409: { description: 'The deployment is not editable (a change waits for audit or is being carried out)' },
    },
  });

export const oteDeployRoutes = {
  createDeploy: create('/v1/deploy', 'Deploy the application to the clusters whose labels match `cluster`'),
  installDeploy: create('/v1/deploy/install', 'Deploy the application (the path of the document’s example)'),
  listDeploys: defineRoute({
    method: 'get',
    path: '/v1/deploy',
    summary: 'List deployments',
    tags,
    access: 'token',
    query: v.object({
      field: Field,
      appName: v.optional(v.string()),
      appNameMode: NameMode,
      editable: v.optional(v.picklist(['true', 'false', 'all'], 'must be true, false or all'), 'all'),
      running: v.optional(v.picklist(['true', 'all'], 'must be true or all'), 'all'),
      ...OtePaging,
    }),
    responses: {
      200: {
        description: 'A page of deployments',
        example: { data: [exampleDeploy], total: 1, ...success },
        failures: deployFailures((deploy) => ({ data: [deploy], total: 1, ...success })),
      },
    },
  }),
  getDeploy: defineRoute({
    method: 'get',
    path: '/v1/deploy/id/:deployId',
    summary: 'Get a deployment; `field=historyVersion` adds every version deployed, newest first',
    tags,
    access: 'token',
    params: DeployIdParam,
    query: v.object({ field: Field }),
    responses: {
      200: {
        description: 'The deployment',
        example: {
          data: {
            ...exampleDeploy,
            historyVersion: [
              {
                version: '1.1.1.1',
                deployType: 1,
                comment: '',
                user: 'alice',
                createTime: 1551758321,
                audit: 'approved',
                auditComment: 'ok',
                auditUser: 'admin',
                auditTime: 1551758400,
              },
            ],
          },
          ...success,
        },
        failures: deployFailures((deploy) => ({ data: deploy, ...success })),
      },
    },
  }),
  upgradeDeploy: changeVersion('post', 'Upgrade the deployment to a version of its application (deployType 2)'),
  rollbackDeploy: changeVersion('put', 'Roll the deployment back to a version it deployed before (deployType 3)'),
  deleteDeployById: defineRoute({
    method: 'delete',
    path: '/v1/deploy/id/:deployId',
    summary: 'Delete a deployment by id (deployType 4; status 9 once its objects are gone)',
    tags,
    access: 'token',
    params: DeployIdParam,
    responses: { 200: { description: 'Recorded', example: success } },
  }),
  deleteDeployByName: defineRoute({
    method: 'delete',
    path: '/v1/deploy/:deployName',
    summary: 'Delete a deployment by name',
    tags,
    access: 'token',
    params: v.strictObject({ deployName: DeployName }),
    responses: { 200: { description: 'Recorded', example: success } },
  }),
  listAudits: defineRoute({
    method: 'get',
    path: '/v1/admin/deploy',
    summary: 'List changes waiting for an audit',
    tags,
    access: 'admin',
    query: v.object({ businessName: v.optional(v.string()), ...OtePaging }),
    responses: {
      200: {
        description: 'A page of audits',
        example: {
          data: [
            {
              id: 6878,
              businessName: 'a',
              appName: 'dsdar2',
              version: '1.2.1',
              cluster: 'bjct',
              deployId: 12,
              deployType: 1,
              status: 0,
              comment: 'no pass',
              createTime: 1551758321,
              updateTime: 1551758321,
            },
          ],
          total: 1,
          ...success,
        },
      },
    },
  }),
  auditPut: defineRoute({
    method: 'put',
    path: '/v1/admin/deploy',
    summary: 'Approve (status 1) or disapprove (status 2) a change',
    tags,
    access: 'admin',
    body: AuditInput,
    responses: { 200: { description: 'Decided', example: success }, 409: { description: 'Already decided' } },
  }),
  auditPost: defineRoute({
    method: 'post',
    path: '/v1/admin/deploy',
    summary: 'Approve or disapprove a change (the document’s example uses POST)',
    tags,
    access: 'admin',
    body: AuditInput,
    responses: { 200: { description: 'Decided', example: success }, 409: { description: 'Already decided' } },
  }),
};
