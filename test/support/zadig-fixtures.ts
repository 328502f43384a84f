/**
 * Request bodies copied from ../shared/specs/zadig-service.md, exactly as
 * documented (the update example's trailing comma, documentation only, dropped).
 */
export const rawServiceExample = {
  service_name: 'service-3',
  yaml: 'apiVersion: v1\nkind: Service\nmetadata:\n name: a\n labels:\n app: a\nspec:\n ports:\n - name: http\n port: 80\n targetPort: 8080\n selector:\n app: a\n\n---\n\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n name: a\n labels:\n app: a\nspec:\n selector:\n matchLabels:\n app: a\n replicas: 1\n template:\n metadata:\n labels:\n app: a\n spec:\n containers:\n - name: myapp-1\n image: koderover.******.com/koderover-demo/myapp-1:v0.1__linux_amd64\n imagePullPolicy: Always\n command: ["/myapp-1"]\n args: ["--downstream-addr", "$(DOWNSTREAM_ADDR)", "--headers", "$(HEADERS)"]\n env:\n - name: DOWNSTREAM_ADDR\n value: "b"\n - name: HEADERS\n value: "x-request-id"\n ports:\n - containerPort: 8080\n resources:\n limits:\n cpu: {{.cpu}}\n memory: 122Mi\n',
  variable_yaml: [
    {
      key: 'cpu',
      value: '12m',
      desc: 'cpu value',
      type: 'string',
    },
  ],
};

export const updateServiceYamlExample = {
  type: 'k8s',
  yaml: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n name: service1\n labels: \n app.kubernetes.io/name: demo\n app.kubernetes.io/instance: service1\nspec:\n selector:\n matchLabels:\n app.kubernetes.io/name: demo\n app.kubernetes.io/instance: service1\n replicas: 1\n template:\n metadata: \n labels:\n app.kubernetes.io/name: demo\n app.kubernetes.io/instance: service1\n spec:\n containers:\n - name: service1\n image: koderover.******.com/koderover-demo/service1:latest\n imagePullPolicy: Always \n command:\n - /workspace/service1\n ports:\n - protocol: TCP\n containerPort: {{.port}}\n resources:\n limits:\n memory: {{.memoryLimit}}\n cpu: {{.cpuLimit}}\n---\napiVersion: v1\nkind: Service\nmetadata:\n name: service1\n labels:\n app.kubernetes.io/name: yaml-poc\n app.kubernetes.io/instance: service1\nspec:\n type: NodePort\n ports:\n - protocol: TCP\n port: {{.port}}\n targetPort: {{.port}}\n',
};

export const loadTemplateExample = {
  service_name: 'service1',
  project_key: 'demo',
  template_name: 'microservice-template',
  auto_sync: true,
  variable_yaml: [
    { key: 'cpuLimit', value: '100m' },
    { key: 'memoryLimit', value: '100Mi' },
    { key: 'port', value: '20221' },
  ],
};

export const loadProductionTemplateExample = {
  service_name: 'service1',
  production: true,
  project_key: 'demo',
  template_name: 'base-template',
  auto_sync: true,
  variable_yaml: [{ key: 'cpuLimit', value: '15m' }],
};

export const updateVariablesExample = {
  service_variable_kvs: [{ key: 'cpu', value: '12m', type: 'string', options: [], desc: '' }],
};

/**
 * A template like the spec's service2, indented as YAML needs (the spec prints
 * it flattened). Its variables are the ones the load example sets.
 */
export const microserviceTemplate = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: $Service$',
  '  labels:',
  '    app.kubernetes.io/name: $Product$',
  '    app.kubernetes.io/instance: $Service$',
  'spec:',
  '  selector:',
  '    matchLabels:',
  '      app.kubernetes.io/instance: $Service$',
  '  replicas: 1',
  '  template:',
  '    metadata:',
  '      labels:',
  '        app.kubernetes.io/instance: $Service$',
  '    spec:',
  '      containers:',
  '      - name: $Service$',
  '        image: koderover.******.com/koderover-demo/service2:latest',
  '        ports:',
  '        - protocol: TCP',
  '          containerPort: {{.port}}',
  '        resources:',
  '          limits:',
  '            memory: {{.memoryLimit}}',
  '            cpu: {{.cpuLimit}}',
  '---',
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: $Service$',
  'spec:',
  '  type: NodePort',
  '  ports:',
  '  - protocol: TCP',
  '    port: {{.port}}',
  '    targetPort: {{.port}}',
  '',
].join('\n');

/*
 * The spec's example YAMLs lost their indentation when the page was published
 * (`metadata:\n name: a\n labels:\n app: a`), which turns them into mappings
 * with duplicate keys that no YAML reader accepts (Zadig's yaml.v3 included).
 * These are the same requests with the indentation restored.
 */
export const rawServiceExampleIndented = {
  ...rawServiceExample,
  yaml: [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: a',
    '  labels:',
    '    app: a',
    'spec:',
    '  ports:',
    '  - name: http',
    '    port: 80',
    '    targetPort: 8080',
    '  selector:',
    '    app: a',
    '',
    '---',
    '',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: a',
    '  labels:',
    '    app: a',
    'spec:',
    '  selector:',
    '    matchLabels:',
    '      app: a',
    '  replicas: 1',
    '  template:',
    '    metadata:',
    '      labels:',
    '        app: a',
    '    spec:',
    '      containers:',
    '      - name: myapp-1',
    '        image: koderover.******.com/koderover-demo/myapp-1:v0.1__linux_amd64',
    '        imagePullPolicy: Always',
    '        command: ["/myapp-1"]',
    '        args: ["--downstream-addr", "$(DOWNSTREAM_ADDR)", "--headers", "$(HEADERS)"]',
    '        env:',
    '        - name: DOWNSTREAM_ADDR',
    '          value: "b"',
    '        - name: HEADERS',
    '          value: "x-request-id"',
    '        ports:',
    '        - containerPort: 8080',
    '        resources:',
    '          limits:',
    '            cpu: {{.cpu}}',
    '            memory: 122Mi',
    '',
  ].join('\n'),
};

export const updateServiceYamlExampleIndented = {
  ...updateServiceYamlExample,
  yaml: [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: service1',
    '  labels:',
    '    app.kubernetes.io/name: demo',
    '    app.kubernetes.io/instance: service1',
    'spec:',
    '  selector:',
    '    matchLabels:',
    '      app.kubernetes.io/name: demo',
    '      app.kubernetes.io/instance: service1',
    '  replicas: 1',
    '  template:',
    '    metadata:',
    '      labels:',
    '        app.kubernetes.io/name: demo',
    '        app.kubernetes.io/instance: service1',
    '    spec:',
    '      containers:',
    '      - name: service1',
    '        image: koderover.******.com/koderover-demo/service1:latest',
    '        imagePullPolicy: Always',
    '        command:',
    '        - /workspace/service1',
    '        ports:',
    '        - protocol: TCP',
    '          containerPort: {{.port}}',
    '        resources:',
    '          limits:',
    '            memory: {{.memoryLimit}}',
    '            cpu: {{.cpuLimit}}',
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: service1',
    '  labels:',
    '    app.kubernetes.io/name: yaml-poc',
    '    app.kubernetes.io/instance: service1',
    'spec:',
    '  type: NodePort',
    '  ports:',
    '  - protocol: TCP',
    '    port: {{.port}}',
    '    targetPort: {{.port}}',
    '',
  ].join('\n'),
};
