import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { requireProject } from '../projects/project-item.ts';
import { followTemplate, insertService } from '../services/create-service.ts';
import type { ServiceScope } from '../services/scope.ts';
import type { ServiceItem } from '../services/service-item.ts';
import { keys } from '../store/keys.ts';
import { readChartTemplate } from './chart-item.ts';
import { renderHelmService, type ChartVariable } from './helm-service.ts';

/** A Helm service made from a chart template (Zadig's `template/load/helm`). */
export type NewHelmService = {
  project: string;
  name: string;
  template: string;
  autoSync: boolean;
  variables: ChartVariable[];
  valuesYaml: string;
};

/**
 * Creates a Helm service from a chart template: its values are the
 * template's values.yaml rendered with `variables`, `valuesYaml` merged on
 * top; the chart is rendered with them before anything is stored, so values
 * the chart cannot take are a 400. With `autoSync` the service follows later
 * versions of the template.
 */
export async function createHelmServiceFromTemplate({
  ctx,
  principal,
  scope,
  input,
}: {
  ctx: CoreContext;
  principal: Principal;
  scope: ServiceScope;
  input: NewHelmService;
}): Promise<ServiceItem> {
  await requireProject(ctx, principal, input.project);
  const template = await readChartTemplate(ctx, input.template);
  const { helm, containers } = await renderHelmService({
    ctx,
    project: input.project,
    service: input.name,
    template,
    variables: input.variables,
    valuesYaml: input.valuesYaml,
  });
  const service = { project: input.project, scope, name: input.name };
  return insertService(
    ctx,
    principal,
    {
      ...service,
      type: 'helm',
      yaml: '',
      variables: [],
      containers,
      helm,
      templateName: template.name,
      autoSync: input.autoSync,
    },
    followTemplate({
      template: keys.chartTemplate(template.name),
      templateName: template.name,
      version: template.version,
      user: keys.chartUser(template.name, service.project, service.scope, service.name),
      service,
      autoSync: input.autoSync,
    }),
  );
}
