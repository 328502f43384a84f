import * as v from 'valibot';
import { NamespaceName, ObjectName, ReplicaCount } from '../../core/workloads/schemas.ts';
import { defineRoute } from '../http/contract.ts';

const tags = ['k8s-service'] as const;

/** Absent and empty parameters are the same thing to this dialect's callers. */
const Param = v.optional(
  v.pipe(
    v.string(),
    v.transform((value) => (value === '' ? undefined : value)),
  ),
);
/** The document suggests a timestamp for msgId, so scripts send numbers too; it is echoed as a string. */
const MsgIdParam = v.optional(
  v.pipe(
    v.union([v.string(), v.number()]),
    v.transform((value) => (value === '' ? undefined : String(value))),
  ),
);

// The document spells these two ways (`nameSpace`/`namespace`, `deploymentName`/`deploymentname`); both are accepted.
const Spellings = {
  msgId: MsgIdParam,
  nameSpace: Param,
  namespace: Param,
  deploymentName: Param,
  deploymentname: Param,
};

const normalized = <
  T extends {
    nameSpace?: string | undefined;
    namespace?: string | undefined;
    deploymentName?: string | undefined;
    deploymentname?: string | undefined;
  },
>(
  input: T,
) => ({
  ...input,
  nameSpace: input.nameSpace ?? input.namespace,
  deploymentName: input.deploymentName ?? input.deploymentname,
});

const Required = {
  msgId: v.pipe(v.string(), v.maxLength(128)),
  nameSpace: NamespaceName,
  deploymentName: ObjectName,
};

export const GetPodQuery = v.pipe(
  v.looseObject(Spellings),
  v.transform(normalized),
  v.object({
    ...Required,
    // A name, or (as the document's own example does) a label selector such as `app=mysql`.
    deploymentName: v.pipe(
      v.string(),
      v.maxLength(1024),
      v.check(
        (value) => value.includes('=') || v.is(ObjectName, value),
        'must be a deployment name or a label selector',
      ),
    ),
  }),
);

/** What the document lists, for the OpenAPI document (the schemas above also accept its second spellings). */
const DocumentedParameters = {
  msgId: v.pipe(Required.msgId, v.description('消息唯一id, 建议使用时间戳, 原值返回 (echoed as sent)')),
  nameSpace: v.pipe(NamespaceName, v.description('namespace (also accepted as `namespace`)')),
  deploymentName: v.pipe(
    v.string(),
    v.maxLength(1024),
    v.description(
      'deployment name (RFC 1123), or a label selector such as app=mysql (also accepted as `deploymentname`)',
    ),
  ),
};

export const UpdatePodReplicasBody = v.pipe(
  v.looseObject({
    ...Spellings,
    replicas: v.optional(
      v.union([
        v.number(),
        v.pipe(
          v.string(),
          v.transform((value) => (value === '' ? undefined : value)),
        ),
      ]),
    ),
  }),
  v.transform(normalized),
  v.object({
    ...Required,
    replicas: v.pipe(
      v.union(
        [v.number(), v.pipe(v.string(), v.regex(/^\d+$/, 'must be a non-negative integer'), v.transform(Number))],
        'must be a non-negative integer',
      ),
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
    responses: {
      200: {
        description: 'Service is up',
        example: { code: 200, message: '[INFO] oops, you got it.', responseTime: '2022-01-11 15:14:12' },
      },
    },
  }),
  getPod: defineRoute({
    method: 'get',
    path: '/v1/k8sservice/getPod',
    summary: '根据namespace,label查询启动的pod列表 (pods of a deployment, and its Service)',
    tags,
    access: 'cluster',
    query: GetPodQuery,
    docs: { query: v.object(DocumentedParameters) },
    rules: ['deploymentName: a name must be an RFC 1123 name; a label selector contains "="'],
    responses: {
      200: {
        description:
          'code 200: the pods and the Service; code 201: a parameter is missing or wrong; code 500: the cluster query failed',
        example: {
          code: 200,
          message: {
            clusterIP: '10.105.227.117',
            clusterPort: 3306,
            podList: [{ podIP: '10.244.0.33', podName: 'mysql' }],
          },
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
    access: 'cluster',
    body: UpdatePodReplicasBody,
    docs: {
      body: v.object({
        ...DocumentedParameters,
        deploymentName: v.pipe(ObjectName, v.description('deployment name (also accepted as `deploymentname`)')),
        replicas: v.pipe(ReplicaCount, v.description('副本数 (replica count)')),
      }),
    },
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
