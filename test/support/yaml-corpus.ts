/** Hand-written YAML for the differential tests: Kubernetes objects, Helm values, kubeconfigs, every syntax feature, edge scalars and errors. */

const KUBERNETES = [
  `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
  labels:
    app.kubernetes.io/name: web
    tier: "frontend"
  annotations:
    deployment.kubernetes.io/revision: '3'
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: registry.example.com/team/web:1.2.3@sha256:abcdef
        args: ["--port", "8080", --verbose]
        ports:
        - containerPort: 8080
          protocol: TCP
        env:
        - name: FEATURE
          value: "on"
        - name: EMPTY
          value: ""
        - name: MODE
          value: 0755
        resources:
          limits: {cpu: 500m, memory: 1Gi}
          requests:
            cpu: 0.25
            memory: 256Mi
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          initialDelaySeconds: 5
      nodeSelector:
        kubernetes.io/os: linux
      tolerations:
        - key: dedicated
          operator: Equal
          value: web
          effect: NoSchedule
`,
  `---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30080
  selector:
    app: web
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  app.properties: |
    color=blue
    size=10
  script.sh: |-
    #!/bin/sh
    echo "hello $NAME"
  folded: >
    one
    two

    three
  json: '{"a": 1, "b": [true, null]}'
...
`,
  `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: job
              image: busybox:1.37
              command:
                - /bin/sh
                - -c
                - |
                  date; echo done
`,
  `# a Secret with stringData
apiVersion: v1
kind: Secret
metadata:
  name: db   # the database
type: Opaque
stringData:
  password: "p@ss: word #1"
  url: postgres://user@db:5432/app?sslmode=disable
  empty:
  tilde: ~
`,
  `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: /$2
spec:
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /api(/|$)(.*)
        pathType: ImplementationSpecific
        backend:
          service:
            name: api
            port:
              number: 80
`,
];

const HELM_VALUES = [
  `# Default values for web.
replicaCount: 1
image:
  repository: nginx
  pullPolicy: IfNotPresent
  tag: ""
imagePullSecrets: []
nameOverride: ""
serviceAccount:
  create: true
  annotations: {}
  name:
podAnnotations: {}
securityContext: {}
  # capabilities:
  #   drop:
  #   - ALL
service:
  type: ClusterIP
  port: 80
ingress:
  enabled: false
  hosts:
    - host: chart-example.local
      paths:
        - path: /
          pathType: ImplementationSpecific
  tls: []
resources: {}
autoscaling:
  enabled: false
  minReplicas: 1
  maxReplicas: 100
  targetCPUUtilizationPercentage: 80
nodeSelector: {}
tolerations: []
affinity: {}
`,
  `global: &global
  registry: registry.example.com
  pullPolicy: Always
api:
  <<: *global
  image: api
  env: &env
    LOG_LEVEL: debug
    RETRIES: 3
worker:
  <<: [*global, {replicas: 2}]
  image: worker
  env: *env
`,
  `config:
  enabled: yes
  debug: off
  ratio: 1.5
  big: 1_000_000
  hex: 0xFF
  octal: 0644
  binary: 0b1010
  exp: 6.02e23
  inf: .inf
  ninf: -.Inf
  nan: .NaN
  version: 1.10
  date: 2024-01-02
  time: 12:30:45
  quoted: "yes"
  single: 'no'
`,
];

const KUBECONFIGS = [
  `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJkekNDQVIyZ0F3SUJBZ0lCQURBS0JnZ3Foa2pPUFFRREFqQWpNU0V3SHdZRFZRUUREQmhyTTNNdGMyVnkK
    server: https://127.0.0.1:6443
  name: local
contexts:
- context:
    cluster: local
    user: admin
    namespace: default
  name: local
current-context: local
preferences: {}
users:
- name: admin
  user:
    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl
`,
  `apiVersion: v1
kind: Config
clusters:
  - name: eks
    cluster:
      server: https://ABCDEF.gr7.us-east-1.eks.amazonaws.com
      insecure-skip-tls-verify: true
users:
  - name: aws
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: aws
        args: [eks, get-token, --cluster-name, prod, --region, us-east-1]
        env: null
contexts: [{name: eks, context: {cluster: eks, user: aws}}]
current-context: eks
`,
];

const SCALARS = [
  // plain scalars every schema types its own way
  ...['yes', 'Yes', 'YES', 'no', 'on', 'On', 'OFF', 'y', 'Y', 'n', 'N', 'true', 'True', 'FALSE', 'tRue'],
  ...['null', 'Null', 'NULL', '~', 'nul', ''],
  ...['0', '-0', '+0', '12', '+12', '-12', '012', '0755', '08', '09.5', '0o17', '0O17', '0x1F', '0X1F', '0xG'],
  ...['0b101', '-0b11', '0b', '1_000', '1__0', '_1', '1_', '0_7', '9007199254740993', '18446744073709551615'],
  ...['18446744073709551616', '-9223372036854775808', '-9223372036854775809', '123456789012345678901234'],
  ...['1.5', '-1.5', '.5', '-.5', '1.', '1.0', '1.50', '1e3', '1E3', '1e+3', '1.5e-3', '-1.5E+3', '.5e1', '1e'],
  ...['e5', '1.2.3', '1,000', '.inf', '-.inf', '+.inf', '.Inf', '.INF', '.nan', '.NaN', '.NAN', 'inf', 'nan', '.'],
  ...['1e400', '-1e400', '0x_1F', '+0x1F', '-0x1F', '0.1_5', '1:20', '1:20:30', '-1:20', '190:20:30.15'],
  ...['2024-01-02', '2024-1-2', '2024-01-02T10:00:00Z', '2024-01-02 10:00:00', '<<', '=', '!', '-', '--', '---x'],
  ...['a b', 'a  b', 'a#b', 'a #b', 'a:b', 'a:', 'a :b', '-a', '?a', ':a', 'a?', 'http://x.y/z?q=1#frag', '@x', '%x'],
];

const STRUCTURE = [
  // block mappings and sequences
  'a: 1\nb: 2\n',
  'a:\n  b:\n    c: d\n',
  'a:\n- 1\n- 2\nb: 3',
  'a:\n  - 1\n  -   2\n',
  '- a\n-  b\n-\n  c\n',
  '- a: 1\n  b: 2\n- c: 3\n',
  '- - a\n  - b\n- - - c\n',
  '-\n  - a\n',
  '- a:\n  - b\n  c: d\n',
  '-   a: 1\n    b: 2\n',
  'key:    value   \n',
  'a: 1 # comment\n# full line\nb: 2\n',
  '# only comments\n# here\n',
  '',
  '\n\n\n',
  'a:\n\n\n  b: 1\n',
  'a:\nb:\n',
  '- \n- ~\n',
  'a: \n  # comment\n  b: 1\n',
  'a: b\n  c\n',
  'a: b\n\n  c\n\n\n  d\n',
  'a: b\n  c #x\n',
  'plain: text with \'quotes\' and "doubles"\n',
  'k: v: w',
  'a: -\n',
  'a:\tb\n',
  '- \ta\n',
  'a:    \t  # comment with tab\n  b: 1\n',
  'top\n',
  'multi\nline\n  plain\n',
  '"quoted top"\n',
  '[1, 2]\n',
  '{a: 1}\n',
  'a: 1\r\nb: 2\r\n',
  '\uFEFFa: 1\n',
  // flow collections
  'a: [1, 2, 3]\n',
  'a: [ ]\nb: { }\n',
  'a: [1, [2, [3, []]], {b: [c, {d: e}]}]\n',
  'a: {b: 1, c: [2, 3], "d": \'e\'}\n',
  'a: [\n  1,\n  2,\n]\n',
  'a: {\n  b: 1,\n  c: 2\n}\n',
  'a: [1, 2,]\n',
  'a: {b: 1,}\n',
  'a: [b: 1, c]\n',
  'a: {b, c: 1}\n',
  'a: {b:1}\n',
  'a: {"b":1}\n',
  'a: [a b, c d]\n',
  'a: [a\n  b, c]\n',
  'a: [# comment\n  1, # another\n  2]\n',
  'a: [*x]\n',
  'a: ["x, y", \'[z]\']\n',
  'a: {b: [1, 2], c: {d: e}}\nf: [g]\n',
  '- [a, b]\n- {c: d}\n',
  '[a, b]: c\n',
  '{a: 1, a: 2}\n',
  'a: [1 2]\n',
  'a: {b: 1 c: 2}\n',
  'a: [1, 2\n',
  'a: [1,\n2]\n',
  '[,]\n',
  'a: [-1, +2, .5, 0x10, yes]\n',
  'a: {on: off, ~: null}\n',
  'a: [!!str 1, !!int "2"]\n',
  // quoted scalars
  'a: "tab\\there\\nnewline \\"q\\" \\\\ \\/ \\0 \\a \\b \\e \\f \\r \\v \\N \\_ \\L \\P"\n',
  'a: "\\x41\\u00e9\\U0001F600"\n',
  'a: "\\xZZ"\n',
  'a: "\\q"\n',
  "a: 'it''s'\n",
  "a: 'back\\slash'\n",
  'a: "multi\n  line\n\n  folded"\n',
  'a: "trailing   \n  spaces"\n',
  'a: "escaped\\\n  break"\n',
  'a: "escaped tab\\t\n  b"\n',
  "a: 'single\n  folded\n\n\n  twice'\n",
  'a: "unterminated\n',
  "a: 'unterminated\n",
  'a: "x\ny"\n',
  'a: "x" y\n',
  '"a": 1\n"b c": 2\n',
  "'a': 1\n",
  '"a\nb": 1\n',
  'a: ""\nb: \'\'\n',
  'a: "#not a comment"\n',
  // block scalars
  'a: |\n  x\n  y\n',
  'a: |-\n  x\n  y\n',
  'a: |+\n  x\n  y\n\n\n',
  'a: |\n  x\n\n\nb: 1\n',
  'a: |+\n  x\n\n\nb: 1\n',
  'a: >\n  x\n  y\n\n  z\n',
  'a: >-\n  x\n   more\n  y\n',
  'a: >+\n\n  x\n',
  'a: >\n  a\n  b\n\n  c\n   d\n  e\n',
  'a: |2\n    x\n   y\n',
  'a: |1\n  x\n',
  'a: |-2\n   x\n',
  'a: |2-\n   x\n',
  '- |1\n  x\n',
  '- a: |1\n    x\n',
  '--- |1\n  x\n',
  'a: |\n\n  x\n',
  'a: |\n\n   \n  x\n',
  'a: |\n  x\n \n  y\n',
  'a: |\n  x\n    \n  y\n',
  'a: |\nb: 1\n',
  'a: |+\nb: 1\n',
  'a: |\n    deep\n  shallow\n',
  'a: | # comment\n  x\n',
  'a: |x\n  y\n',
  'a: |\n  #not comment\n  ---not marker\n',
  'a: >\n  line\ttab\n\tnot indent\n',
  'a: |\n  x',
  '- |\n  a\n- >\n  b\n',
  'a:\n  b: |\n    x\n  c: 1\n',
  // anchors, aliases, merges
  'a: &x 1\nb: *x\n',
  'a: &x [1, 2]\nb: *x\n',
  'a: &x\n  b: 1\nc: *x\n',
  '- &a x\n- *a\n- &a y\n- *a\n',
  '&a a: 1\nb: *a\n',
  'a: &x b\n*x : c\n',
  'a: *nothing\n',
  'a: &x [*x]\n',
  'base: &base {cpu: 1, mem: 2}\nweb:\n  <<: *base\n  mem: 3\n',
  'a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n',
  'a: &a {x: 1}\nc:\n  x: 0\n  <<: *a\n',
  'a: &a {x: 1}\nc:\n  <<: *a\n  x: 0\n',
  '<<: {x: 1}\n',
  '<<: {x: 1}\n<<: {y: 2}\n',
  '<<: 1\n',
  'a: &a 1\nb:\n  <<: *a\n',
  '"<<": {x: 1}\n',
  "'<<': 1\n",
  'a: &a [{x: 1}]\nb:\n  <<: *a\n',
  'a: &anchor-with.dots value\nb: *anchor-with.dots\n',
  'a: &x\nb: *x\n',
  'a: !!str &x 1\nb: *x\n',
  // tags
  'a: !!str 1\nb: !!str true\nc: !!str\n',
  'a: !!int "12"\nb: !!int abc\nc: !!int 0x1F\n',
  'a: !!float 1\nb: !!float "1.5"\n',
  'a: !!bool yes\nb: !!bool "no"\nc: !!bool maybe\n',
  'a: !!null ""\nb: !!null x\n',
  'a: !!binary aGVsbG8=\nb: !!timestamp 2020-01-01\n',
  'a: !!set {x, y}\nb: !!omap [x: 1]\nc: !!pairs [x: 1]\n',
  'a: !!map {x: 1}\nb: !!seq [1]\nc: !!map [1]\n',
  'a: !foo bar\nb: !foo {x: 1}\nc: ! 12\n',
  'a: !<tag:yaml.org,2002:str> 1\n',
  'a: !e!foo 1\n',
  '%TAG !e! tag:example.com,2000:\n---\na: !e!foo 1\n',
  'a: !!str\n  b: 1\n',
  // documents and directives
  'a: 1\n---\nb: 2\n',
  '---\na: 1\n...\n---\nb: 2\n...\n',
  'a: 1\n...\n# trailing comment\n',
  'a: 1\n...\nb: 2\n',
  '---\n---\n',
  '--- a\n--- |\n  b\n',
  '--- # comment\na: 1\n',
  '%YAML 1.2\n---\na: yes\n---\nb: yes\n',
  '%YAML 1.1\n---\na: yes\n',
  '%YAML 1.2\n---\na: &a {x: 1}\nb:\n  <<: *a\n',
  '--- a: 1\n',
  '--- - a\n',
  'a: 1\n--- \nb: 2\n',
  'a: "x\n---\ny"\n',
  // errors
  'a: 1\n  b: 2\n',
  'a: b: c\n',
  '- a: b: c\n',
  'a:\n  b\n  c: 1\n',
  '- a\nb: 1\n',
  'a: 1\n- b\n',
  'a:\n\tb: 1\n',
  'a:\n  \tb: 1\n',
  'a: b\n\tc\n',
  'key: @x\n',
  'key: `x\n',
  'a: |\n  x\n y\n',
  'a: - b\n',
  'a: [1, 2]]\n',
  'a: {b: 1}}\n',
  '  a: 1\nb: 2\n',
  'a: 1\n b: 2\n',
  '- a\n - b\n',
  'a: &x &y 1\n',
  'a: *x &y\n',
  '%YAML 1.2\na: 1\n',
  'a:\n  - b\n  c: d\n',
  'a: ]\n',
  'a: }\n',
  'a: ,\n',
];

export const CORPUS = [...KUBERNETES, ...HELM_VALUES, ...KUBECONFIGS, ...STRUCTURE, ...SCALARS.map((s) => `v: ${s}\n`)];
