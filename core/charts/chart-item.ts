import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import type { ChartSource, HelmRegistry } from '../helm/helm-engine.ts';
import { readRegistryAccess, type RegistryAccess } from '../registries/registry-item.ts';
import { keys } from '../store/keys.ts';
import type { ChartVariable } from './helm-service.ts';

/** Where a stored chart is: an OCI artifact in a registry registered with Berth, addressed by digest. */
export type ChartLocation = {
  registryId: string;
  /** `<namespace>/charts/<name>` in that registry. */
  repository: string;
  /** The manifest digest Helm reported when the chart was pushed. */
  digest: string;
};

/** One uploaded (name, version) of a chart: immutable once stored. */
export type ChartVersionItem = ChartLocation & {
  entity: 'chart-version';
  name: string;
  chartVersion: string;
  appVersion?: string | undefined;
  description?: string | undefined;
  /** The chart's own values.yaml, as written. */
  valuesYaml: string;
  /** `sha256:` of the archive as uploaded: a second upload of the version must be the same bytes. */
  sha256: string;
  size: number;
  uploadedBy: string;
  uploadedAt: string;
};

/**
 * A chart template (Zadig's Helm templates): a name, and the version of it
 * services are created from (the latest uploaded).
 */
export type ChartTemplateItem = Omit<ChartVersionItem, 'entity' | 'uploadedBy' | 'uploadedAt'> & {
  entity: 'chart-template';
  /**
   * The variables its values.yaml reads (`"{{.port}}"`), with the defaults
   * given at upload (empty strings otherwise): a service's `variables` override them.
   */
  variables: ChartVariable[];
  /** How many services follow the template (`auto_sync`); a template with followers cannot be deleted. */
  followers?: number;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  version: number;
};

export async function readChartTemplate(ctx: CoreContext, name: string): Promise<ChartTemplateItem> {
  const item = await ctx.store.get<ChartTemplateItem>(keys.chartTemplate(name));
  if (!item) throw new NotFoundError('chart template', name);
  return item;
}

/** A stored chart as Helm pulls it: by digest, with the registry's credentials. */
export async function chartSource(ctx: CoreContext, chart: ChartLocation): Promise<ChartSource> {
  const registry = await helmRegistry(ctx, chart.registryId);
  return { oci: `oci://${registry.host}/${chart.repository}@${chart.digest}`, registry };
}

export async function helmRegistry(ctx: CoreContext, registryId: string): Promise<HelmRegistry> {
  return helmRegistryOf(await readRegistryAccess(ctx, registryId));
}

/** How Helm reaches a registry already read. */
export const helmRegistryOf = (access: RegistryAccess): HelmRegistry => ({
  host: access.endpoint.host,
  plainHttp: access.endpoint.baseUrl.startsWith('http://'),
  credentials: access.credentials,
});
