import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWrittenYamlStream, parseYamlValue } from '../../core/yaml.ts';
import { writeYaml } from '../../core/yaml/write.ts';
import { ORACLE_OPTIONS, oracleRead } from '../support/yaml-oracle.ts';

/** Strings another type, a comment, an indicator or a line break away from a plain scalar. */
const TRICKY_STRINGS = [
  ...['', ' ', '  ', 'yes', 'Yes', 'on', 'OFF', 'y', 'n', 'true', 'False', 'null', 'Null', '~', '0755', '08', '0o17'],
  ...['0x1F', '0b101', '1_000', '1e3', '1E3', '.5', '1.', '.', '-0', '+12', '.inf', '-.inf', '.nan', '1:20'],
  ...['2024-01-01', '2024-01-01T10:00:00Z', '<<', '=', '!', '&a', '*a', '- a', '-', '--', '---', '...', '--- x'],
  ...['? a', '?', ':', ':a', 'a:', 'a: b', 'a:b', 'a #b', 'a#b', '#a', '%a', '@a', '`a', '|', '>', "'", '"'],
  ...['[a]', '{a}', ',a', 'a,b', ' lead', 'trail ', '\tlead', 'trail\t', 'a\nb', 'a\nb\n', 'a\nb\n\n', '\na'],
  ...['\n', '\n\n', 'a\n ', 'a\n\tb', ' a\nb', 'a\r\nb', 'a\rb', '\u2028', 'a\u2029b', '\u0085', '\ufeff', '\u0000'],
  ...['\u0007', '\x7f', '\ud800', 'a\udfffb', 'é', '日本語', '💥', '\u00a0', 'a\u00a0', 'it\'s "quoted"', '\\'],
  ...['line\n  indented\nback', '#!/bin/sh\necho "hi"\n', 'x'.repeat(200), `${'word '.repeat(40)}end`],
];

const text = fc.oneof(
  fc.constantFrom(...TRICKY_STRINGS),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom(' ', '\n', '\t', ':', '#', '-', '?', 'a', '"', "'", '|', '>', '\\', 'é', '0'),
    maxLength: 8,
  }),
);
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(text, tie('json'), { maxKeys: 4 }),
  ),
}));

describe('writeYaml', () => {
  for (const seed of [20261203, 7])
    it(`writes data every reader reads back as it was (seed ${seed})`, () => {
      fc.assert(
        fc.property(json, (value) => {
          const written = writeYaml(value);
          expect(parseYamlValue(written, 'yaml')).toEqual(value);
          expect(parseWrittenYamlStream(written, 'yaml')[0]?.value ?? null).toEqual(value);
          expect(oracleRead(written, ORACLE_OPTIONS.input)).toEqual([value]);
          expect(oracleRead(written, ORACLE_OPTIONS.written)).toEqual([value]);
        }),
        { seed, numRuns: 1500 },
      );
    });

  it('writes a Deployment as kubectl users write it', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web', enabled: 'true' }, annotations: {} },
      spec: {
        replicas: 2,
        template: {
          spec: {
            containers: [
              {
                name: 'web',
                image: 'registry.example.com/web:1.0',
                args: ['--port', '8080', ''],
                env: [
                  { name: 'MODE', value: '0755' },
                  { name: 'FLAG', value: 'on' },
                  { name: 'SCRIPT', value: 'set -e\necho "start: now"\n' },
                ],
                resources: { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: 0.25 } },
                ports: [],
              },
            ],
          },
        },
      },
    };
    expect(writeYaml(deployment)).toBe(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
    enabled: "true"
  annotations: {}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0
          args:
            - --port
            - "8080"
            - ""
          env:
            - name: MODE
              value: "0755"
            - name: FLAG
              value: "on"
            - name: SCRIPT
              value: |
                set -e
                echo "start: now"
          resources:
            limits:
              cpu: 500m
              memory: 1Gi
            requests:
              cpu: 0.25
          ports: []
`);
  });

  it('writes a kubeconfig, nested lists and top-level scalars', () => {
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'local',
      clusters: [
        { name: 'local', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': 'LS0t' } },
      ],
      users: [{ name: 'admin', user: { token: 'abc.def' } }],
      contexts: [{ name: 'local', context: { cluster: 'local', user: 'admin' } }],
      preferences: {},
    };
    expect(writeYaml(kubeconfig)).toBe(`apiVersion: v1
kind: Config
current-context: local
clusters:
  - name: local
    cluster:
      server: https://127.0.0.1:6443
      certificate-authority-data: LS0t
users:
  - name: admin
    user:
      token: abc.def
contexts:
  - name: local
    context:
      cluster: local
      user: admin
preferences: {}
`);
    expect(writeYaml([[['a'], []], { 'a: b': { '': null } }, 'x\n'])).toBe(
      '- - - a\n  - []\n- "a: b":\n    "": null\n- |\n  x\n',
    );
    expect(writeYaml('plain')).toBe('plain\n');
    expect(writeYaml(12n)).toBe('12\n');
    expect(writeYaml({ b: 1, a: { d: 1, c: 2 } }, { sortKeys: true })).toBe('a:\n  c: 2\n  d: 1\nb: 1\n');
  });
});
