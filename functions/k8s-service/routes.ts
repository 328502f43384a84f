import * as v from 'valibot';
import { NamespaceName, ReplicaCount } from '../../core/workloads/schemas.ts';
import { defineRoute } from '../http/contract.ts';

const tags = ['k8s-service'] as const;

/** Absent and empty parameters are the same thing to this dialect's callers. */
const Param = v.optional(v.pipe(v.string(), v.transform((value) => (value === '' ? undefined : value))));

// The document spells these two ways (`nameSpace`/`namespace`, `deploymentName`/`deploymentname`); both are accepted.
const Spellings = {
  msgId: Param,
  nameSpace: Param,
  namespace: Param,
  deploymentName: Param,
  deploymentname: Param,
};

const normalized = <T extends { nameSpace?: string | undefined; namespace?: string | undefined; deploymentName?: string | undefined; deploymentname?: string | undefined }>(input: T) => ({
  ...input,
  nameSpace: input.nameSpace ?? input.namespace,
  deploymentName: input.deploymentName ?? input.deploymentname,
});

const Required = {
  msgId: v.pipe(v.string(), v.maxLength(128)),
  nameSpace: NamespaceName,
  deploymentName: v.pipe(v.string(), v.minLength(1), v.maxLength(253)),
};

export const GetPodQuery = v.pipe(v.looseObject(Spellings), v.transform(normalized), v.object(Required));

export const UpdatePodReplicasBody = v.pipe(
  v.looseObject({ ...Spellings, replicas: v.optional(v.union([v.number(), v.pipe(v.string(), v.transform((value) => (value === '' ? undefined : value)))])) }),
  v.transform(normalized),
  v.object({
    ...Required,
    replicas: v.pipe(
      v.union([v.number(), v.pipe(v.string(), v.regex(/^\d+$/, 'must be a non-negative integer'), v.transform(Number))], 'must be a non-negative integer'),
      ReplicaCount,
    ),
  }),
);

export const k8sServiceRoutes = {
  test: defineRoute({
    method: 'get',
    path: '/v1/k8sservice/test',
    summary: '测试服务接口连通性 (connectivity test)',
    tags,
    access: 'public',
    responses: { 200: { description: 'Service is up', example: { code: 200, message: '[INFO] oops, you got it.', responseTime: '2022-01-11 15:14:12' } } },
  }),
  getPod: defineRoute({
    method: 'get',
    path: '/v1/k8sservice/getPod',
    summary: '根据namespace,label查询启动的pod列表 (pods of a deployment, and its Service)',
    tags,
    access: 'token',
    query: GetPodQuery,
    responses: {
      200: {
        description: 'code 200: the pods and the Service; code 201: a parameter is missing or wrong; code 500: the cluster query failed',
        example: {
          code: 200,
          message: { clusterIP: '10.105.227.117', clusterPort: 3306, podList: [{ podIP: '10.244.0.33', podName: 'mysql' }] },
          msgId: '1641876953',
          responseTime: '2022-01-11 12:56:04',
        },
      },
    },
  }),
  updatePodReplicas: defineRoute({
    method: 'post',
    path: '/v1/k8sservice/updatePodReplicas',
    summary: '根据namespace,deployment Name更新pod的replicas (scale a deployment)',
    tags,
    access: 'token',
    body: UpdatePodReplicasBody,
    bodyFormats: ['form', 'json'],
    responses: {
      200: {
        description: 'code 200: scaled; code 201: a parameter is missing or wrong; code 500: the cluster query failed',
        example: {
          code: 200,
          message: { deploymentName: 'mariadb', nameSpace: 'vss-meter-workspace', replicas: 3 },
          msgId: '1641876953',
          responseTime: '2022-01-11 12:46:27',
        },
      },
    },
  }),
};
