import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../core/store/keys.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { arrayAt, at, numberAt, objectAt, stringAt } from '../support/json.ts';
import { demoChart, demoChartFiles, tarGz } from '../support/charts.ts';
import { registerChartRegistry, uploadChart, zadigHelm } from '../support/zadig-helm.ts';
import { parse } from 'yaml';

let berth: Harness;
const zadigService = (path: string, options: Parameters<typeof call>[2] = {}) =>
  call(berth.apps['zadig-service'], path, { token: ADMIN_TOKEN, ...options });

/** The chart template with `{{.port}}` and `$T-Service$` in its values, as Zadig's general charts are written. */
const generalChart = (version: string, tag = '1.0') =>
  demoChart({
    name: 'general-chart',
    version,
    values: [
      'replicaCount: 1',
      'image:',
      '  repository: registry.example.com/demo/$T-Service$',
      `  tag: "${tag}"`,
      'port: "{{.port}}"',
      'labels: [a, b]',
      'resources:',
      '  limits: {cpu: 20m, mem: 20Mi}',
      '',
    ].join('\n'),
  });

beforeAll(async () => {
  berth = await createHarness();
  await registerChartRegistry(berth);
  await zadigService('/openapi/projects/project', {
    json: { project_key: 'multi-chart', project_name: 'Multi chart', project_type: 'helm' },
  });
});
afterAll(() => berth.close());

describe('chart templates', () => {
  it('stores an uploaded chart by digest and lists and reads it in the YAML templates’ style', async () => {
    const upload = await uploadChart(berth, generalChart('0.1.0'), { variables: [{ key: 'port', value: 8080 }] });
    expect(upload.status).toBe(200);
    expect(upload.json).toMatchObject({ message: 'success', name: 'general-chart', version: '0.1.0' });
    const digest = stringAt(upload.json, 'digest');
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const list = await zadigHelm(berth, '/openapi/templates/charts');
    expect(numberAt(list.json, 'total')).toBe(1);
    const detail = await zadigHelm(berth, '/openapi/templates/charts/general-chart');
    expect(detail.json).toMatchObject({
      name: 'general-chart',
      version: '0.1.0',
      digest,
      variables: [{ key: 'port', value: 8080 }],
      versions: [{ version: '0.1.0', digest }],
    });
    // The same bytes again are accepted as they are; other bytes under the same version are refused.
    expect(
      (await uploadChart(berth, generalChart('0.1.0'), { variables: [{ key: 'port', value: 8080 }] })).json,
    ).toMatchObject({ digest });
    const changed = await uploadChart(berth, generalChart('0.1.0', '9.9'), {
      variables: [{ key: 'port', value: 8080 }],
    });
    expect(changed.status).toBe(409);
    expect(stringAt(changed.json, 'description')).toMatch(/version 0.1.0 is already stored with other content/);
  });

  it.each([
    [
      'a traversal',
      tarGz([...demoChartFiles({ name: 'evil' }), { name: 'evil/../../x', content: 'x' }]),
      /leaves the chart's directory/,
    ],
    [
      'a symbolic link',
      tarGz([
        ...demoChartFiles({ name: 'evil' }),
        { name: 'evil/templates/l.yaml', type: '2', linkname: '/etc/passwd' },
      ]),
      /symbolic link/,
    ],
    [
      'a bomb',
      tarGz([...demoChartFiles({ name: 'evil' }), { name: 'evil/big', content: Buffer.alloc(3 * 1024 * 1024) }]),
      /more than 2097152 per file/,
    ],
    ['a bad Chart.yaml', demoChart({ name: 'evil', version: 'latest' }), /not a SemVer version/],
    [
      'a chart Helm cannot render',
      demoChart({ name: 'evil', extra: { 'templates/x.yaml': '{{ .Values.a.b.c }}' } }),
      /helm lint/,
    ],
  ])('refuses %s with a 400 naming the file, and stores nothing', async (_, archive, reason) => {
    const answer = await uploadChart(berth, archive);
    expect(answer.status).toBe(400);
    expect(stringAt(answer.json, 'description')).toMatch(/^file: /);
    expect(stringAt(answer.json, 'description')).toMatch(reason);
    expect((await zadigHelm(berth, '/openapi/templates/charts/evil')).status).toBe(404);
    expect(await berth.rawItem(keys.chartTemplate('evil'))).toBeUndefined();
  });

  it('answers 413 to an archive over the size limit', async () => {
    const answer = await uploadChart(berth, Buffer.alloc(4 * 1024 * 1024 + 1));
    expect(answer.status).toBe(413);
    expect((await zadigHelm(berth, '/openapi/templates/charts')).json).toMatchObject({ total: 1 });
  });
});

describe('Helm services from chart templates', () => {
  it('renders values.yaml with variables, merges values_yaml on top, and shows the service with its containers', async () => {
    const answer = await zadigHelm(berth, '/openapi/service/template/load/helm?projectKey=multi-chart', {
      json: {
        auto_sync: true,
        production: false,
        project_key: 'multi-chart',
        service_name: 'api-test',
        template_name: 'general-chart',
        values_yaml: 'aa: bb\ncc: dd\nlabels: [c]\nresources:\n  limits: {cpu: 50m}',
        variables: [{ key: 'port', value: 20012 }],
      },
    });
    expect(answer.json).toEqual({ message: 'success' });

    const list = await zadigService('/openapi/service/yaml/services?projectKey=multi-chart');
    expect(arrayAt(list.json, 'service')).toEqual([
      {
        service_name: 'api-test',
        type: 'helm',
        containers: [{ name: 'web', image: 'registry.example.com/demo/api-test:1.0', image_name: 'api-test' }],
      },
    ]);
    const detail = await zadigService('/openapi/service/yaml/api-test?projectKey=multi-chart');
    expect(detail.json).toMatchObject({
      type: 'helm',
      template_name: 'general-chart',
      auto_sync: true,
      chart_version: '0.1.0',
    });
    expect(parse(stringAt(detail.json, 'values_yaml'))).toEqual({
      replicaCount: 1,
      image: { repository: 'registry.example.com/demo/api-test', tag: '1.0' },
      port: '20012',
      labels: ['c'],
      resources: { limits: { cpu: '50m', mem: '20Mi' } },
      aa: 'bb',
      cc: 'dd',
    });
  });

  it('creates a production Helm service with `production: true`', async () => {
    const answer = await zadigHelm(berth, '/openapi/service/template/load/helm?projectKey=multi-chart', {
      json: {
        production: true,
        project_key: 'multi-chart',
        service_name: 'api-prod',
        template_name: 'general-chart',
        variables: [{ key: 'port', value: 80 }],
      },
    });
    expect(answer.json).toEqual({ message: 'success' });
    const list = await zadigService('/openapi/service/yaml/production/services?projectKey=multi-chart');
    expect(arrayAt(list.json).map((service) => at(service, 'service_name'))).toEqual(['api-prod']);
  });

  it('refuses values the chart cannot render and an unknown template, storing nothing', async () => {
    const broken = await zadigHelm(berth, '/openapi/service/template/load/helm', {
      json: {
        project_key: 'multi-chart',
        service_name: 'broken',
        template_name: 'general-chart',
        values_yaml: 'image: plain-text',
      },
    });
    expect(broken.status).toBe(400);
    expect(stringAt(broken.json, 'description')).toMatch(/^values_yaml: the chart does not render/);
    const unknown = await zadigHelm(berth, '/openapi/service/template/load/helm', {
      json: { project_key: 'multi-chart', service_name: 'broken', template_name: 'no-such-chart' },
    });
    expect(unknown.status).toBe(404);
    expect((await zadigService('/openapi/service/yaml/broken?projectKey=multi-chart')).status).toBe(404);
  });

  it('keeps a follower in step with a new template version (auto_sync), and refuses to delete a followed template', async () => {
    const upload = await uploadChart(berth, generalChart('0.2.0', '2.0'), {
      variables: [{ key: 'port', value: 8080 }],
    });
    expect(upload.json).toMatchObject({ version: '0.2.0', synced_services: ['multi-chart/api-test'], sync_errors: [] });
    const detail = await zadigService('/openapi/service/yaml/api-test?projectKey=multi-chart');
    expect(objectAt(detail.json)).toMatchObject({ chart_version: '0.2.0', revision: 2 });
    expect(arrayAt(detail.json, 'containers').map((container) => at(container, 'image'))).toEqual([
      'registry.example.com/demo/api-test:2.0',
    ]);
    // The production service did not follow: it stays on the version it was made from.
    const production = await zadigService('/openapi/service/yaml/production/api-prod?projectKey=multi-chart');
    expect(objectAt(production.json)).toMatchObject({ chart_version: '0.1.0' });

    expect((await zadigHelm(berth, '/openapi/templates/charts/general-chart', { method: 'DELETE' })).status).toBe(409);
    await zadigService('/openapi/service/yaml/api-test?projectKey=multi-chart', { method: 'DELETE' });
    expect((await zadigHelm(berth, '/openapi/templates/charts/general-chart', { method: 'DELETE' })).json).toEqual({
      message: 'success',
    });
    expect((await zadigHelm(berth, '/openapi/templates/charts')).json).toMatchObject({ total: 0 });
  });
});
