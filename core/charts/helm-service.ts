import type { CoreContext } from '../context.ts';
import { DomainError, InvalidInputError, field, text } from '../errors.ts';
import { requireHelm } from '../helm/helm-engine.ts';
import { mergeValues, parseValues, type Values } from '../helm/values.ts';
import { goJsonValue } from '../render/go-data.ts';
import { extractContainers, parseManifests, type ServiceContainer } from '../render/manifests.ts';
import { renderTemplate, templateVariables } from '../render/template.ts';
import { chartSource, type ChartLocation, type ChartTemplateItem } from './chart-item.ts';

/** A template variable's value, as Zadig's `variables` give it (any JSON). */
export type ChartVariable = { key: string; value: unknown };

/** What a Helm service deploys: a stored chart and the values it was given. */
export type HelmServiceChart = ChartLocation & {
  chartName: string;
  chartVersion: string;
  /** The request's `variables`, kept to render a newer template version the same way (`auto_sync`). */
  variables: ChartVariable[];
  /** The request's `values_yaml`, merged over the rendered template values. */
  valuesYaml: string;
  /** The service's values: the template's values.yaml rendered with `variables`, `valuesYaml` merged on top. */
  values: Values;
};

/** The release name `helm template` uses when none is given; services are rendered before any environment names one. */
const TEMPLATE_RELEASE = 'release-name';

/**
 * Zadig's rule for a service made from a chart template: the template's
 * values.yaml with `$T-Project$` and `$T-Service$` replaced, rendered as a Go
 * template with `variables` as data, then `valuesYaml` merged on top (maps
 * merge, lists and scalars are replaced, later wins). The chart is rendered
 * with those values to prove they work and to read the containers.
 */
export async function renderHelmService({
  ctx,
  project,
  service,
  template,
  variables,
  valuesYaml,
}: {
  ctx: CoreContext;
  project: string;
  service: string;
  template: ChartTemplateItem;
  variables: ChartVariable[];
  valuesYaml: string;
}): Promise<{ helm: HelmServiceChart; containers: ServiceContainer[] }> {
  const defaults = template.variables.filter(({ key }) => !variables.some((given) => given.key === key));
  const rendered = renderChartValues({
    template,
    variables: [...defaults, ...variables],
    placeholders: { project, service },
  });
  const values = mergeValues(rendered, parseValues(valuesYaml, 'valuesYaml'));
  const helm: HelmServiceChart = {
    registryId: template.registryId,
    repository: template.repository,
    digest: template.digest,
    chartName: template.name,
    chartVersion: template.chartVersion,
    variables,
    valuesYaml,
    values,
  };
  return { helm, containers: await chartContainers(ctx, helm, values, 'valuesYaml') };
}

/**
 * A chart template's values.yaml rendered as Zadig renders it: `$T-Project$`
 * and `$T-Service$` replaced (when known), then a Go template with
 * `variables` as data; a key the file reads that no variable gives is an
 * empty string, as in YAML templates.
 */
export function renderChartValues({
  template,
  variables,
  placeholders = {},
}: {
  template: Pick<ChartTemplateItem, 'name' | 'valuesYaml'>;
  variables: readonly ChartVariable[];
  placeholders?: { project?: string; service?: string };
}): Values {
  let source = template.valuesYaml;
  if (placeholders.project !== undefined) source = source.replaceAll('$T-Project$', placeholders.project);
  if (placeholders.service !== undefined) source = source.replaceAll('$T-Service$', placeholders.service);
  try {
    const data: Record<string, unknown> = {};
    const set = (key: string, value: unknown) =>
      Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true });
    for (const key of templateVariables(source)) set(key, '');
    for (const { key, value } of variables) set(key, goJsonValue(value));
    return parseValues(renderTemplate(source, data), 'variables');
  } catch (error) {
    if (error instanceof InvalidInputError)
      throw new InvalidInputError(
        text`${field('variables')}: the values.yaml of chart template "${template.name}": ${error}`,
        'variables',
      );
    throw error;
  }
}

/** The containers a chart runs with `values`: rendered by Helm, read as any service's manifests are. */
export async function chartContainers(
  ctx: CoreContext,
  chart: ChartLocation,
  values: Values,
  fieldPath: string,
): Promise<ServiceContainer[]> {
  const helm = await requireHelm(ctx);
  try {
    const manifests = await helm.template({
      chart: await chartSource(ctx, chart),
      release: TEMPLATE_RELEASE,
      namespace: 'default',
      values,
    });
    return extractContainers(parseManifests(manifests, { field: fieldPath }), fieldPath);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'Invalid')
      throw new InvalidInputError(
        text`${field(fieldPath)}: the chart does not render with these values: ${error}`,
        fieldPath,
      );
    throw error;
  }
}
