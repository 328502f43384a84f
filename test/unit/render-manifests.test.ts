import { describe, expect, it } from 'vitest';
import { errorOf } from '../support/errors.ts';
import { renderService, serviceVariables } from '../../core/render/index.ts';
import { extractContainers, imageName, parseManifests, substitutePlaceholders } from '../../core/render/manifests.ts';
import { parseYamlStream, parseYamlValue } from '../../core/yaml.ts';
import type { ServiceVariable } from '../../core/render/variables.ts';
import { SERVICE2 } from '../support/service2.ts';

const billionLaughs = (): string => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const name of 'bcdefghi') {
    const previous = String.fromCharCode(name.charCodeAt(0) - 1);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
  }
  return lines.join('\n');
};

describe('parseYamlStream: safe parsing', () => {
  it('rejects a billion-laughs document', () => {
    expect(errorOf(() => parseYamlStream(billionLaughs(), 'yaml')).message).toBe(
      'yaml: expands aliases beyond the allowed limit',
    );
  });

  it('rejects a recursive alias, oversized input and too many documents', () => {
    expect(errorOf(() => parseYamlValue('a: &x [*x]', 'yaml')).message).toBe('yaml: contains a recursive alias');
    expect(errorOf(() => parseYamlValue('a: 1234567890', 'yaml', { maxBytes: 10 })).message).toBe(
      'yaml: is 13 bytes, larger than the 10 allowed',
    );
    expect(errorOf(() => parseYamlStream('a: 1\n---\nb: 2\n---\nc: 3', 'yaml', { maxDocuments: 2 })).message).toBe(
      'yaml: has 3 documents, more than the 2 allowed',
    );
    expect(
      errorOf(() => parseYamlValue('a: &a [1, 2, 3]\nb: [*a, *a, *a, *a]', 'yaml', { maxNodes: 10 })).message,
    ).toBe('yaml: expands to more than 10 values');
  });

  it('allows ordinary anchors and merge keys', () => {
    expect(parseYamlValue('base: &base {cpu: 1}\nweb:\n  <<: *base\n  mem: 2', 'yaml')).toEqual({
      base: { cpu: 1 },
      web: { cpu: 1, mem: 2 },
    });
  });

  it('reads YAML the way yaml.v2 / kubectl do, keeping keys and dates as written', () => {
    expect(parseYamlValue('on: yes\nmode: 0755\nn: ~\ny: 1\ndate: 2024-01-02\nhex: 0x1F', 'yaml')).toEqual({
      on: true,
      mode: 493,
      n: null,
      y: 1,
      date: '2024-01-02',
      hex: 31,
    });
  });

  it('reports syntax errors with the document and line', () => {
    expect(errorOf(() => parseYamlStream('a: 1\n---\nb: [1\n', 'yaml')).message).toMatch(
      /^yaml: document 2 \(line 2\) is not valid YAML at line \d+, column \d+: /,
    );
    expect(errorOf(() => parseYamlStream('a: 1\na: 2\n', 'yaml')).message).toBe(
      'yaml: is not valid YAML at line 2, column 1: duplicate key "a"',
    );
  });
});

describe('parseManifests', () => {
  it('parses every object of a multi-document stream, skipping empty documents', () => {
    const objects = parseManifests(
      '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\n# only a comment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
    );
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/web', 'Deployment/web']);
  });

  it('rejects a document without metadata.name, naming the document', () => {
    const source =
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels: {app: web}\n';
    const error = errorOf(() => parseManifests(source, { field: 'yaml' }));
    expect(error.message).toBe('yaml: document 2 (line 5) has no metadata.name (each must be a non-empty string)');
    expect(error.field).toBe('yaml');
  });

  it('reports every wrong document at once', () => {
    const source =
      'kind: Service\nmetadata:\n  name: a\n---\n- a list\n---\njust text\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 7\n';
    expect(errorOf(() => parseManifests(source)).message).toBe(
      'yaml: document 1 (line 1) has no apiVersion (each must be a non-empty string); document 2 (line 4) is a list, not a Kubernetes object; document 3 (line 6) is the scalar "just text", not a Kubernetes object; document 4 (line 8) has no metadata.name (each must be a non-empty string)',
    );
  });

  it('rejects the same object twice and a stream with no objects', () => {
    const object = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n';
    expect(errorOf(() => parseManifests(`${object}---\n${object}`)).message).toBe(
      'yaml: document 2 (line 5) repeats Service "web" from document 1',
    );
    expect(errorOf(() => parseManifests('---\n# nothing\n')).message).toBe('yaml: contains no Kubernetes objects');
  });

  it('rejects a billion-laughs manifest', () => {
    expect(
      errorOf(() =>
        parseManifests(
          `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  ${billionLaughs().replaceAll('\n', '\n  ')}`,
        ),
      ).message,
    ).toBe('yaml: expands aliases beyond the allowed limit');
  });
});

describe('containers', () => {
  it('names the image by its repository last segment, without tag or digest', () => {
    expect(imageName('koderover.******.com/koderover-demo/service2:latest')).toBe('service2');
    expect(imageName('nginx')).toBe('nginx');
    expect(imageName('localhost:5000/team/app')).toBe('app');
    expect(imageName('registry:5000/app:v1@sha256:abcd')).toBe('app');
  });

  it('extracts containers and init containers of every workload kind', () => {
    const pod = (name: string) => ({
      containers: [{ name, image: `r.example/${name}:1` }],
      initContainers: [{ name: `${name}-init`, image: 'busybox' }],
    });
    const meta = (name: string) => ({ name });
    const objects = [
      { apiVersion: 'v1', kind: 'Service', metadata: meta('svc'), spec: {} },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('d'), spec: { template: { spec: pod('d') } } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('s'), spec: { template: { spec: pod('s') } } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('ds'), spec: { template: { spec: pod('ds') } } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: meta('j'), spec: { template: { spec: pod('j') } } },
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: meta('c'),
        spec: { jobTemplate: { spec: { template: { spec: pod('c') } } } },
      },
      { apiVersion: 'v1', kind: 'Pod', metadata: meta('p'), spec: pod('p') },
    ];
    expect(extractContainers(objects).map((c) => `${c.name}=${c.image_name}`)).toEqual([
      'd=d',
      'd-init=busybox',
      's=s',
      's-init=busybox',
      'ds=ds',
      'ds-init=busybox',
      'j=j',
      'j-init=busybox',
      'c=c',
      'c-init=busybox',
      'p=p',
      'p-init=busybox',
    ]);
  });

  it('rejects a container without an image, naming the workload', () => {
    const objects = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { template: { spec: { containers: [{ name: 'web' }] } } },
      },
    ];
    expect(errorOf(() => extractContainers(objects)).message).toBe(
      'yaml: Deployment "web": containers[0] needs a name and an image',
    );
  });
});

describe('system placeholders', () => {
  it('replaces the placeholders it is given, as plain text', () => {
    expect(
      substitutePlaceholders('$Namespace$/$EnvName$/$Product$/$Service$/$Other$', {
        namespace: 'demo-env-dev',
        envName: 'dev',
        product: 'demo',
        service: 'web',
      }),
    ).toBe('demo-env-dev/dev/demo/web/$Other$');
    expect(substitutePlaceholders('$Namespace$ $Service$', { service: 'web' })).toBe('$Namespace$ web');
  });
});

const SERVICE2_KVS: ServiceVariable[] = [{ key: 'cpuLimit', value: '55m', type: 'string', options: [], desc: '' }];

describe('renderService: spec service2', () => {
  it('declares the variables the template uses', () => {
    expect(serviceVariables(SERVICE2, SERVICE2_KVS).map((kv) => [kv.key, kv.value])).toEqual([
      ['cpuLimit', '55m'],
      ['world', ''],
      ['port', ''],
      ['memoryLimit', ''],
    ]);
  });

  it('renders with the spec values (output identical to Go text/template) and lists the spec containers', () => {
    const rendered = renderService({
      template: SERVICE2,
      variables: serviceVariables(SERVICE2, SERVICE2_KVS),
      // the template-load example's values, plus world
      overrides: [
        { key: 'world', value: 'hello' },
        { key: 'port', value: '20221' },
        { key: 'memoryLimit', value: '100Mi' },
      ],
    });
    expect(rendered.yaml).toBe(
      SERVICE2.replace('hello: {{.world}}', 'hello: hello')
        .replace('containerPort: {{.port}}', 'containerPort: 20221')
        .replace('memory: {{.memoryLimit}}', 'memory: 100Mi')
        .replace('cpu: {{.cpuLimit}}', 'cpu: 55m')
        .replace('port: {{.port}}\n    targetPort: {{.port}}', 'port: 20221\n    targetPort: 20221'),
    );
    expect(rendered.objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`)).toEqual([
      'apps/v1 Deployment service2',
      'v1 Service service2',
    ]);
    expect(rendered.objects[1]).toMatchObject({
      spec: { type: 'NodePort', ports: [{ protocol: 'TCP', port: 20221, targetPort: 20221 }] },
    });
    // the containers of GET /openapi/service/yaml/service2
    expect(rendered.containers).toEqual([
      { name: 'service2', image: 'koderover.******.com/koderover-demo/service2:latest', image_name: 'service2' },
    ]);
  });

  it('names every missing key when only the stored KeyVal list is given', () => {
    expect(errorOf(() => renderService({ template: SERVICE2, variables: SERVICE2_KVS })).message).toBe(
      'template validate err: missing keys [world port memoryLimit]',
    );
  });

  it("rejects the spec's flattened YAML, which has duplicate keys once indentation is lost", () => {
    const flattened = SERVICE2.replace(/^ +/gm, ' ');
    expect(
      errorOf(() => renderService({ template: flattened, variables: serviceVariables(flattened, SERVICE2_KVS) }))
        .message,
    ).toMatch(
      /^yaml: document 1 \(line 1\) is not valid YAML at line \d+, column \d+: duplicate key "app.kubernetes.io\/name"/,
    );
  });
});

describe('renderService', () => {
  const template = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: $Service$
  namespace: $Namespace$
spec:
  template:
    spec:
      containers:
      - name: app
        image: {{.image}}
        resources: {{.resources}}
        {{- if .debug }}
        args: ["--debug"]
        {{- end }}
`;
  const variables: ServiceVariable[] = [
    { key: 'image', value: 'registry.example/team/app:v1', type: 'string', options: [], desc: '' },
    { key: 'resources', value: 'limits:\n  cpu: 500m\n', type: 'yaml', options: [], desc: '' },
    { key: 'debug', value: false, type: 'bool', options: [], desc: '' },
  ];

  it('inserts yaml values as nodes, applies overrides with declared types and substitutes placeholders', () => {
    const rendered = renderService({
      template,
      variables,
      overrides: [{ key: 'debug', value: 'true' }],
      placeholders: { service: 'app', namespace: 'demo-env-dev' },
    });
    expect(rendered.objects[0]).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app', namespace: 'demo-env-dev' },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                image: 'registry.example/team/app:v1',
                resources: { limits: { cpu: '500m' } },
                args: ['--debug'],
              },
            ],
          },
        },
      },
    });
    expect(rendered.containers).toEqual([{ name: 'app', image: 'registry.example/team/app:v1', image_name: 'app' }]);
  });

  it('rejects an override that breaks its declared type', () => {
    expect(
      errorOf(() => renderService({ template, variables, overrides: [{ key: 'debug', value: 'yes' }] })).message,
    ).toBe('variable "debug" is of type bool: its value must be true or false, got "yes"');
  });

  it('rejects a rendered document without metadata.name, naming the document', () => {
    const twoDocs =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {{.name}}\n';
    const error = errorOf(() =>
      renderService({
        template: twoDocs,
        variables: [{ key: 'name', value: '', type: 'string', options: [], desc: '' }],
      }),
    );
    expect(error.message).toBe('yaml: document 2 (line 5) has no metadata.name (each must be a non-empty string)');
  });
});
