import type { ServiceScope } from '../services/scope.ts';

/**
 * Every key the table holds, in one place. Items of a small collection share a
 * partition so that listing them is one strongly consistent Query; lookups by
 * something other than the id get their own item, written in the same
 * transaction as the aggregate.
 *
 * | item            | pk                  | sk                 |
 * |-----------------|---------------------|--------------------|
 * | API token       | `TOKENS`            | `TOKEN#<id>`       |
 * | token by hash   | `TOKENHASH#<sha256>`| `TOKENHASH`        |
 * | cluster         | `CLUSTERS`          | `CLUSTER#<id>`     |
 * | image registry  | `REGISTRIES`        | `REGISTRY#<id>`    |
 * | id counter      | `COUNTER#<name>`    | `COUNTER`          |
 * | project         | `PROJECTS`          | `PROJECT#<key>`    |
 * | service         | `PROJECT#<key>`     | `SERVICE#<scope>#<name>` |
 * | service revision| `PROJECT#<key>`     | `SVCREV#<scope>#<name>#<000042>` |
 * | YAML template   | `TEMPLATES`         | `TEMPLATE#<name>`  |
 * | template user   | `TEMPLATE#<name>`   | `USER#<project>#<scope>#<service>` |
 * | chart template  | `CHARTS`            | `CHART#<name>`     |
 * | chart version   | `CHART#<name>`      | `VERSION#<version>` |
 * | chart user      | `CHART#<name>`      | `USER#<project>#<scope>#<service>` |
 *
 * | environment     | `PROJECT#<key>`     | `ENV#<scope>#<env>` |
 * | env service     | `PROJECT#<key>`     | `ENVSVC#<scope>#<env>#<service>` |
 * | env service rev.| `PROJECT#<key>`     | `ENVSVCREV#<scope>#<env>#<service>#<000042>` |
 * | namespace claim | `NAMESPACE#<cluster>#<namespace>` | `CLAIM` |
 * | operation       | `OPERATION#<id>`    | `OPERATION`        |
 * | env config      | `PROJECT#<key>`     | `ENVCFG#<scope>#<env>#<type>#<name>` |
 * | env aspect      | `PROJECT#<key>`     | `ENVX#<scope>#<env>#<aspect>` (a feature's per-environment record: sharing, portal) |
 *
 * | ote-stack project | `OTEPROJECTS`     | `OTEPROJECT#<name>` |
 * | third-party repo  | `OTETHIRDREPOS`   | `THIRDREPO#<repositoryId>` |
 * | ote application   | `OTEAPPS`         | `OTEAPP#<000042>`  |
 * | app by name+ver.  | `OTEAPPNAME#<name>#<version>` | `OTEAPPNAME` |
 * | ote deployment    | `OTEDEPLOYS`      | `OTEDEPLOY#<000042>` |
 * | deploy by name    | `OTEDEPLOYNAME#<name>` | `OTEDEPLOYNAME` (only while the deployment is not deleted) |
 * | deploy history    | `OTEDEPLOY#<000042>` | `HISTORY#<000007>` (one per change: who, when, audit) |
 * | deploy audit      | `OTEAUDIT#<000042>` | `AUDIT` (which change of which deployment, and its decision) |
 * | pending audit     | `OTEAUDITS`       | `AUDIT#<000042>` (a change waiting for an admin; gone once decided) |

 * | default registry| `DEFAULTREGISTRY`   | `DEFAULTREGISTRY` (the registry short image names resolve against) |
 * | V-Kube order    | `VKUBEORDERS`       | `ORDER#<id>`       |
 * | order by secret | `VKUBESECRET#<sha256>` | `VKUBESECRET`   |
 * | order expiry    | `VKUBEEXPIRY`       | `AT#<expiry, epoch seconds, 12 digits>#<id>` (orders whose pod the sweep has yet to remove) |
 * | host port claim | `VKUBEPORTS#<region>` | `PORT#<00000>` (an order's hostPort in a region) |
 * | idempotency key | `IDEMPOTENCY#<sha256 of caller and key>` | `IDEMPOTENCY` (the first answer, 24 h) |
 *
 * `scope` is `test` or `production`. A template's users are the services that
 * follow it (`autoSync`); they are written in the same transaction as the
 * service, so a template update reads them with a consistent Query.
 */
export type ItemKey = { pk: string; sk: string };
export const keys = {
  token: (id: string): ItemKey => ({ pk: 'TOKENS', sk: `TOKEN#${id}` }),
  tokens: { pk: 'TOKENS', skPrefix: 'TOKEN#' },
  tokenByHash: (hash: string): ItemKey => ({ pk: `TOKENHASH#${hash}`, sk: 'TOKENHASH' }),
  cluster: (id: string): ItemKey => ({ pk: 'CLUSTERS', sk: `CLUSTER#${id}` }),
  clusters: { pk: 'CLUSTERS', skPrefix: 'CLUSTER#' },
  registry: (id: string): ItemKey => ({ pk: 'REGISTRIES', sk: `REGISTRY#${id}` }),
  registries: { pk: 'REGISTRIES', skPrefix: 'REGISTRY#' },
  counter: (name: string): ItemKey => ({ pk: `COUNTER#${name}`, sk: 'COUNTER' }),
  project: (key: string): ItemKey => ({ pk: 'PROJECTS', sk: `PROJECT#${key}` }),
  projects: { pk: 'PROJECTS', skPrefix: 'PROJECT#' },
  service: (project: string, scope: ServiceScope, name: string): ItemKey => ({
    pk: `PROJECT#${project}`,
    sk: `SERVICE#${scope}#${name}`,
  }),
  services: (project: string, scope: ServiceScope): Collection => ({
    pk: `PROJECT#${project}`,
    skPrefix: `SERVICE#${scope}#`,
  }),
  allServices: (project: string): Collection => ({ pk: `PROJECT#${project}`, skPrefix: 'SERVICE#' }),
  serviceRevision: (project: string, scope: ServiceScope, name: string, revision: number): ItemKey => ({
    pk: `PROJECT#${project}`,
    sk: `SVCREV#${scope}#${name}#${String(revision).padStart(6, '0')}`,
  }),
  serviceRevisions: (project: string, scope: ServiceScope, name: string): Collection => ({
    pk: `PROJECT#${project}`,
    skPrefix: `SVCREV#${scope}#${name}#`,
  }),
  allServiceRevisions: (project: string): Collection => ({ pk: `PROJECT#${project}`, skPrefix: 'SVCREV#' }),
  environments: (project: string): Collection => ({ pk: `PROJECT#${project}`, skPrefix: 'ENV#' }),
  environmentsIn: (project: string, scope: ServiceScope): Collection => ({
    pk: `PROJECT#${project}`,
    skPrefix: `ENV#${scope}#`,
  }),
  environment: (project: string, scope: ServiceScope, env: string): ItemKey => ({
    pk: `PROJECT#${project}`,
    sk: `ENV#${scope}#${env}`,
  }),
  envService: (project: string, scope: ServiceScope, env: string, service: string): ItemKey => ({
    pk: `PROJECT#${project}`,
    sk: `ENVSVC#${scope}#${env}#${service}`,
  }),
  envServices: (project: string, scope: ServiceScope, env: string): Collection => ({
    pk: `PROJECT#${project}`,
    skPrefix: `ENVSVC#${scope}#${env}#`,
  }),
  allEnvServices: (project: string, scope: ServiceScope): Collection => ({
    pk: `PROJECT#${project}`,
    skPrefix: `ENVSVC#${scope}#`,
  }),
  envServiceRevision: (
    project: string,
    scope: ServiceScope,
    env: string,
    service: string,
    revision: number,
  ): ItemKey => ({
    pk: `PROJECT#${project}`,
    sk: `ENVSVCREV#${scope}#${env}#${service}#${String(revision).padStart(6, '0')}`,
  }),
  envServiceRevisions: (project: string, scope: ServiceScope, env: string, service: string): Collection => ({
    pk: `PROJECT#${project}`,
    skPrefix: `ENVSVCREV#${scope}#${env}#${service}#`,
  }),
  namespaceClaim: (cluster: string, namespace: string): ItemKey => ({
    pk: `NAMESPACE#${cluster}#${namespace}`,
    sk: 'CLAIM',
  }),
  operation: (id: string): ItemKey => ({ pk: `OPERATION#${id}`, sk: 'OPERATION' }),
  envConfig: (project: string, scope: ServiceScope, env: string, type: string, name: string): ItemKey => ({
    pk: `PROJECT#${project}`,
    sk: `ENVCFG#${scope}#${env}#${type}#${name}`,
  }),
  envConfigs: (project: string, scope: ServiceScope, env: string, type?: string): Collection => ({
    pk: `PROJECT#${project}`,
    skPrefix: `ENVCFG#${scope}#${env}#${type ? `${type}#` : ''}`,
  }),
  envAspect: (project: string, scope: ServiceScope, env: string, aspect: string): ItemKey => ({
    pk: `PROJECT#${project}`,
    sk: `ENVX#${scope}#${env}#${aspect}`,
  }),
  template: (name: string): ItemKey => ({ pk: 'TEMPLATES', sk: `TEMPLATE#${name}` }),
  templates: { pk: 'TEMPLATES', skPrefix: 'TEMPLATE#' },
  templateUser: (template: string, project: string, scope: ServiceScope, service: string): ItemKey => ({
    pk: `TEMPLATE#${template}`,
    sk: `USER#${project}#${scope}#${service}`,
  }),
  templateUsers: (template: string): Collection => ({ pk: `TEMPLATE#${template}`, skPrefix: 'USER#' }),
  oteProject: (name: string): ItemKey => ({ pk: 'OTEPROJECTS', sk: `OTEPROJECT#${name}` }),
  oteProjects: { pk: 'OTEPROJECTS', skPrefix: 'OTEPROJECT#' },
  thirdPartyRepository: (id: string): ItemKey => ({ pk: 'OTETHIRDREPOS', sk: `THIRDREPO#${id}` }),
  thirdPartyRepositories: { pk: 'OTETHIRDREPOS', skPrefix: 'THIRDREPO#' },
  oteApp: (id: number): ItemKey => ({ pk: 'OTEAPPS', sk: `OTEAPP#${padded(id)}` }),
  oteApps: { pk: 'OTEAPPS', skPrefix: 'OTEAPP#' },
  oteAppName: (name: string, version: string): ItemKey => ({ pk: `OTEAPPNAME#${name}#${version}`, sk: 'OTEAPPNAME' }),
  oteDeploy: (id: number): ItemKey => ({ pk: 'OTEDEPLOYS', sk: `OTEDEPLOY#${padded(id)}` }),
  oteDeploys: { pk: 'OTEDEPLOYS', skPrefix: 'OTEDEPLOY#' },
  oteDeployName: (name: string): ItemKey => ({ pk: `OTEDEPLOYNAME#${name}`, sk: 'OTEDEPLOYNAME' }),
  oteDeployHistory: (deployId: number, seq: number): ItemKey => ({
    pk: `OTEDEPLOY#${padded(deployId)}`,
    sk: `HISTORY#${padded(seq)}`,
  }),
  oteDeployHistories: (deployId: number): Collection => ({ pk: `OTEDEPLOY#${padded(deployId)}`, skPrefix: 'HISTORY#' }),
  oteAudit: (auditId: number): ItemKey => ({ pk: `OTEAUDIT#${padded(auditId)}`, sk: 'AUDIT' }),
  otePendingAudit: (auditId: number): ItemKey => ({ pk: 'OTEAUDITS', sk: `AUDIT#${padded(auditId)}` }),
  otePendingAudits: { pk: 'OTEAUDITS', skPrefix: 'AUDIT#' },
  defaultRegistry: { pk: 'DEFAULTREGISTRY', sk: 'DEFAULTREGISTRY' } satisfies ItemKey,
  order: (id: string): ItemKey => ({ pk: 'VKUBEORDERS', sk: `ORDER#${id}` }),
  orders: { pk: 'VKUBEORDERS', skPrefix: 'ORDER#' },
  orderBySecret: (hash: string): ItemKey => ({ pk: `VKUBESECRET#${hash}`, sk: 'VKUBESECRET' }),
  orderExpiry: (expiresAtSeconds: number, id: string): ItemKey => ({
    pk: 'VKUBEEXPIRY',
    sk: `AT#${String(expiresAtSeconds).padStart(12, '0')}#${id}`,
  }),
  /** Expiry entries sort by time: those up to now are the ones due. */
  orderExpiries: { pk: 'VKUBEEXPIRY', skPrefix: 'AT#' },
  hostPortClaim: (region: string, port: number): ItemKey => ({
    pk: `VKUBEPORTS#${region}`,
    sk: `PORT#${String(port).padStart(5, '0')}`,
  }),
  hostPortClaims: (region: string): Collection => ({ pk: `VKUBEPORTS#${region}`, skPrefix: 'PORT#' }),
  chartTemplate: (name: string): ItemKey => ({ pk: 'CHARTS', sk: `CHART#${name}` }),
  chartTemplates: { pk: 'CHARTS', skPrefix: 'CHART#' },
  chartVersion: (name: string, version: string): ItemKey => ({ pk: `CHART#${name}`, sk: `VERSION#${version}` }),
  chartVersions: (name: string): Collection => ({ pk: `CHART#${name}`, skPrefix: 'VERSION#' }),
  chartUser: (chart: string, project: string, scope: ServiceScope, service: string): ItemKey => ({
    pk: `CHART#${chart}`,
    sk: `USER#${project}#${scope}#${service}`,
  }),
  chartUsers: (chart: string): Collection => ({ pk: `CHART#${chart}`, skPrefix: 'USER#' }),
  idempotencyKey: (hash: string): ItemKey => ({ pk: `IDEMPOTENCY#${hash}`, sk: 'IDEMPOTENCY' }),
} as const;

/** Integer ids in sort keys, zero-padded so the keys sort as the numbers do. */
const padded = (id: number) => String(id).padStart(12, '0');

/** The partition + sort-key prefix a list reads. */
export type Collection = { pk: string; skPrefix: string };

/**
 * Keys of the hook items. A hook's deliveries, their stage records and the
 * delivery ids it has seen share the hook's partition, so one Query lists them.
 *
 * | item                 | pk                     | sk                              |
 * |----------------------|------------------------|---------------------------------|
 * | hook                 | `HOOKS`                | `HOOK#<id>`                     |
 * | delivery record      | `HOOK#<id>`            | `DELIVERY#<record id>`          |
 * | delivery stage       | `HOOK#<id>`            | `STAGE#<record id>#<time>#<n>`  |
 * | delivery id seen     | `HOOK#<id>`            | `SEEN#<sha256 of delivery id>`  |
 * | target lease + state | `HOOKTARGET#<target>`  | `LEASE`                         |
 * | rollout (collapse)   | `HOOKTARGET#<target>`  | `ROLLOUT#<digest or tag>`       |
 * | approval             | `HOOK#<id>`            | `APPROVAL#<record id>`          |
 * | pending approval     | `HOOKAPPROVALS`        | `PENDING#<hook id>` (the one a hook waits for) |
 */
export const hookKeys = {
  hook: (id: string): ItemKey => ({ pk: 'HOOKS', sk: `HOOK#${id}` }),
  hooks: { pk: 'HOOKS', skPrefix: 'HOOK#' },
  delivery: (hookId: string, recordId: string): ItemKey => ({ pk: `HOOK#${hookId}`, sk: `DELIVERY#${recordId}` }),
  deliveries: (hookId: string): Collection => ({ pk: `HOOK#${hookId}`, skPrefix: 'DELIVERY#' }),
  stage: (hookId: string, recordId: string, suffix: string): ItemKey => ({
    pk: `HOOK#${hookId}`,
    sk: `STAGE#${recordId}#${suffix}`,
  }),
  stages: (hookId: string, recordId: string): Collection => ({ pk: `HOOK#${hookId}`, skPrefix: `STAGE#${recordId}#` }),
  /** Everything a hook keeps under it of one kind (`DELIVERY#`, `STAGE#`, `SEEN#`, `APPROVAL#`). */
  kept: (hookId: string, skPrefix: 'DELIVERY#' | 'STAGE#' | 'SEEN#' | 'APPROVAL#'): Collection => ({
    pk: `HOOK#${hookId}`,
    skPrefix,
  }),
  seen: (hookId: string, deliveryHash: string): ItemKey => ({ pk: `HOOK#${hookId}`, sk: `SEEN#${deliveryHash}` }),
  targetLease: (target: string): ItemKey => ({ pk: `HOOKTARGET#${target}`, sk: 'LEASE' }),
  rollout: (target: string, version: string): ItemKey => ({ pk: `HOOKTARGET#${target}`, sk: `ROLLOUT#${version}` }),
  approval: (hookId: string, recordId: string): ItemKey => ({ pk: `HOOK#${hookId}`, sk: `APPROVAL#${recordId}` }),
  pendingApproval: (hookId: string): ItemKey => ({ pk: 'HOOKAPPROVALS', sk: `PENDING#${hookId}` }),
  pendingApprovals: { pk: 'HOOKAPPROVALS', skPrefix: 'PENDING#' } satisfies Collection,
};

/**
 * Keys of outbound webhooks. A subscription's queued notifications and dead
 * letters share its partition.
 *
 * | item          | pk                  | sk                                   |
 * |---------------|---------------------|--------------------------------------|
 * | subscription  | `WEBHOOKS`          | `WEBHOOK#<id>`                       |
 * | notification  | `WEBHOOK#<id>`      | `MSG#<sha256 of object and state>`   |
 * | dead letter   | `WEBHOOK#<id>`      | `DEAD#<sha256 of object and state>`  |
 */
export const webhookKeys = {
  subscription: (id: string): ItemKey => ({ pk: 'WEBHOOKS', sk: `WEBHOOK#${id}` }),
  subscriptions: { pk: 'WEBHOOKS', skPrefix: 'WEBHOOK#' } satisfies Collection,
  message: (id: string, hash: string): ItemKey => ({ pk: `WEBHOOK#${id}`, sk: `MSG#${hash}` }),
  deadLetter: (id: string, hash: string): ItemKey => ({ pk: `WEBHOOK#${id}`, sk: `DEAD#${hash}` }),
  deadLetters: (id: string): Collection => ({ pk: `WEBHOOK#${id}`, skPrefix: 'DEAD#' }),
};
