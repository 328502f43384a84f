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
  chartTemplate: (name: string): ItemKey => ({ pk: 'CHARTS', sk: `CHART#${name}` }),
  chartTemplates: { pk: 'CHARTS', skPrefix: 'CHART#' },
  chartVersion: (name: string, version: string): ItemKey => ({ pk: `CHART#${name}`, sk: `VERSION#${version}` }),
  chartVersions: (name: string): Collection => ({ pk: `CHART#${name}`, skPrefix: 'VERSION#' }),
  chartUser: (chart: string, project: string, scope: ServiceScope, service: string): ItemKey => ({
    pk: `CHART#${chart}`,
    sk: `USER#${project}#${scope}#${service}`,
  }),
  chartUsers: (chart: string): Collection => ({ pk: `CHART#${chart}`, skPrefix: 'USER#' }),
} as const;

/** The partition + sort-key prefix a list reads. */
export type Collection = { pk: string; skPrefix: string };
