import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, DomainError, InvalidInputError, field, text } from '../errors.ts';
import { checkChartArchive } from '../helm/chart-archive.ts';
import { requireHelm } from '../helm/helm-engine.ts';
import { readRegistryAccess } from '../registries/registry-item.ts';
import { parseManifests } from '../render/manifests.ts';
import { templateVariables } from '../render/template.ts';
import { readService, reviseService } from '../services/service-item.ts';
import type { ServiceScope } from '../services/scope.ts';
import { keys } from '../store/keys.ts';
import { createIfAbsent, deleteUnused, putAtVersion, type Write } from '../store/writes.ts';
import {
  helmRegistryOf,
  readChartTemplate,
  type ChartLocation,
  type ChartTemplateItem,
  type ChartVersionItem,
} from './chart-item.ts';
import type { Values } from '../helm/values.ts';
import { renderChartValues, renderHelmService, type ChartVariable } from './helm-service.ts';
import { takePage } from '../paging.ts';

type ChartUser = { project: string; scope: ServiceScope; service: string };
export type SyncResult = { synced: string[]; failed: Array<{ service: string; error: DomainError }> };

/**
 * Lints and renders a chart that passed `checkChartArchive` with `values`,
 * then pushes it to the chart registry (`chartRegistryId`, an OCI registry
 * registered with Berth): where it is stored, by digest. Nothing is pushed
 * unless Helm takes the chart.
 */
export async function storeCheckedChart({
  ctx,
  chartRegistryId,
  archive,
  chartName,
  values,
}: {
  ctx: CoreContext;
  chartRegistryId: string | undefined;
  archive: Uint8Array;
  chartName: string;
  values: Values;
}): Promise<ChartLocation> {
  if (!chartRegistryId)
    throw new DomainError(
      'Internal',
      'no chart registry is configured (BERTH_CHART_REGISTRY names a registered registry)',
    );
  const access = await readRegistryAccess(ctx, chartRegistryId);
  const registry = helmRegistryOf(access);
  const { namespace } = access;
  const helm = await requireHelm(ctx);
  await helm.lint(archive, values).catch(rethrowAs('file'));
  const manifests = await helm
    .template({ chart: { archive }, release: chartName, namespace: 'default', values })
    .catch(rethrowAs('file'));
  parseManifests(manifests, { field: 'file' });
  const repository = `${namespace}/charts`;
  const { digest } = await helm.push({ archive, registry, repository });
  return { registryId: chartRegistryId, repository: `${repository}/${chartName}`, digest };
}

/**
 * Stores an uploaded chart as a template version. The archive is hostile
 * until checked (`checkChartArchive`), then linted and rendered by Helm with
 * its values.yaml rendered from the variables' `defaults`;
 * only then is it pushed to the chart registry (`chartRegistryId`, an OCI
 * registry registered with Berth) and recorded by digest. A (name, version)
 * is immutable: the same bytes again are accepted as they are, other bytes
 * are a 409. The template moves to the uploaded version, and services that
 * follow it (`autoSync`) are rendered again from it.
 */
export async function uploadChartTemplate({
  ctx,
  principal,
  chartRegistryId,
  archive,
  defaults = [],
}: {
  ctx: CoreContext;
  principal: Principal;
  chartRegistryId: string | undefined;
  archive: Uint8Array;
  /** Values for the variables its values.yaml reads, used to check the chart now and when a service gives none. */
  defaults?: ChartVariable[];
}): Promise<{ template: ChartTemplateItem; created: boolean } & SyncResult> {
  const chart = await checkChartArchive(archive);
  const stored = await ctx.store.get<ChartVersionItem>(keys.chartVersion(chart.name, chart.version));
  if (stored) {
    if (stored.sha256 !== chart.sha256)
      throw new ConflictError(
        `chart "${chart.name}" version ${chart.version} is already stored with other content; a version is immutable, upload a new one`,
      );
    return { template: await readChartTemplate(ctx, chart.name), created: false, synced: [], failed: [] };
  }
  const variables = templateDefaults(chart.valuesYaml, defaults);
  const values = renderChartValues({ template: { name: chart.name, valuesYaml: chart.valuesYaml }, variables });
  const { registryId, repository, digest } = await storeCheckedChart({
    ctx,
    chartRegistryId,
    archive,
    chartName: chart.name,
    values,
  });

  const now = ctx.now().toISOString();
  const version: ChartVersionItem = {
    entity: 'chart-version',
    name: chart.name,
    chartVersion: chart.version,
    appVersion: chart.appVersion,
    description: chart.description,
    valuesYaml: chart.valuesYaml,
    sha256: chart.sha256,
    size: chart.size,
    registryId,
    repository,
    digest,
    uploadedBy: principal.name,
    uploadedAt: now,
  };
  const current = await ctx.store.get<ChartTemplateItem>(keys.chartTemplate(chart.name));
  const { entity: _version, uploadedBy: _by, uploadedAt: _at, ...fields } = version;
  const template: ChartTemplateItem = {
    ...fields,
    entity: 'chart-template',
    variables,
    ...(current?.followers ? { followers: current.followers } : {}),
    createdBy: current?.createdBy ?? principal.name,
    createdAt: current?.createdAt ?? now,
    updatedBy: principal.name,
    updatedAt: now,
    version: (current?.version ?? 0) + 1,
  };
  const writes: Write[] = [
    // Two uploads of one version with different bytes: the second is told the version is taken.
    createIfAbsent(
      { ...keys.chartVersion(chart.name, chart.version), ...version },
      `chart "${chart.name}" version ${chart.version} was stored by another upload meanwhile`,
    ),
    current
      ? putAtVersion(
          { ...keys.chartTemplate(chart.name), ...template },
          current.version,
          `chart template "${chart.name}" was changed by another request; upload again`,
        )
      : createIfAbsent(
          { ...keys.chartTemplate(chart.name), ...template },
          `chart template "${chart.name}" was created by another request; upload again`,
        ),
  ];
  await ctx.store.transact(writes, `chart "${chart.name}" could not be stored`);
  const sync = current ? await syncFollowers(ctx, principal, template) : { synced: [], failed: [] };
  return { template, created: true, ...sync };
}

export async function getChartTemplate({ ctx, name }: { ctx: CoreContext; name: string }) {
  const template = await readChartTemplate(ctx, name);
  const versions = await ctx.store.listAll<ChartVersionItem>(keys.chartVersions(name));
  return { template, versions };
}

export async function listChartTemplates({
  ctx,
  pageNum,
  pageSize,
}: {
  ctx: CoreContext;
  pageNum: number;
  pageSize: number;
}): Promise<{ total: number; templates: ChartTemplateItem[] }> {
  const { items, total } = takePage(await ctx.store.listAll<ChartTemplateItem>(keys.chartTemplates), {
    page: pageNum,
    pageSize,
  });
  return { total, templates: items };
}

/**
 * Deletes a chart template nobody follows, and its version records. The OCI
 * artifacts stay in the registry: services created from the template (and
 * environments running them) still address them by digest.
 */
export async function deleteChartTemplate({ ctx, name }: { ctx: CoreContext; name: string }): Promise<void> {
  const current = await readChartTemplate(ctx, name);
  const users = await chartUsers(ctx, name);
  if (users.length > 0)
    throw new ConflictError(
      text`chart template "${name}" is followed (${field('autoSync')}) by ${users.map((user) => `${user.project}/${user.service}`).join(', ')}`,
    );
  await ctx.store.transact(
    [
      // A follower created after the check above was counted on the template in its own write.
      deleteUnused(
        keys.chartTemplate(name),
        'followers',
        `chart template "${name}" was changed, or gained a follower, meanwhile; read it again`,
        current.version,
      ),
    ],
    `chart template "${name}" could not be deleted`,
  );
  const versions = await ctx.store.listAll<ChartVersionItem>(keys.chartVersions(name));
  await ctx.store.removeAll(versions.map((version) => keys.chartVersion(name, version.chartVersion)));
}

const chartUsers = (ctx: CoreContext, name: string) => ctx.store.listAll<ChartUser>(keys.chartUsers(name));

/** Each follower rendered from the new version with its own variables and values; one that fails is reported, not fatal. */
async function syncFollowers(ctx: CoreContext, principal: Principal, template: ChartTemplateItem): Promise<SyncResult> {
  const result: SyncResult = { synced: [], failed: [] };
  for (const user of await chartUsers(ctx, template.name)) {
    const label = `${user.project}/${user.service}${user.scope === 'production' ? ' (production)' : ''}`;
    try {
      const service = await readService(ctx, user.project, user.scope, user.service);
      const { helm, containers } = await renderHelmService({
        ctx,
        project: service.project,
        service: service.name,
        template,
        variables: service.helm?.variables ?? [],
        valuesYaml: service.helm?.valuesYaml ?? '',
      });
      await reviseService(ctx, principal, service, { yaml: '', variables: [], containers, helm });
      result.synced.push(label);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      result.failed.push({ service: label, error });
    }
  }
  return result;
}

/** Helm's verdict on an upload, as a 400 naming the uploaded file. */
const rethrowAs =
  (fieldPath: string) =>
  (error: unknown): never => {
    if (error instanceof DomainError && error.code === 'Invalid')
      throw new InvalidInputError(text`${field(fieldPath)}: ${error}`, fieldPath);
    throw error;
  };

/** Every key values.yaml reads, with its default ('' when none is given); a default for a key it never reads is a 400. */
function templateDefaults(valuesYaml: string, defaults: readonly ChartVariable[]): ChartVariable[] {
  let used: string[];
  try {
    used = templateVariables(valuesYaml);
  } catch (error) {
    if (error instanceof InvalidInputError)
      throw new InvalidInputError(text`${field('file')}: values.yaml: ${error}`, 'file');
    throw error;
  }
  const unused = defaults.find(({ key }) => !used.includes(key));
  if (unused)
    throw new InvalidInputError(
      text`${field('variables')}: the chart's values.yaml does not use "${unused.key}" (it uses ${used.join(', ') || 'no variables'})`,
      'variables',
    );
  return used.map((key) => ({ key, value: defaults.find((given) => given.key === key)?.value ?? '' }));
}
