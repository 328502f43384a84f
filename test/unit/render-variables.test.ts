import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../support/errors.ts';
import { renderTemplate } from '../../core/render/template.ts';
import {
  assignValues,
  checkVariable,
  checkVariables,
  declareVariables,
  ServiceVariable,
  variablesToData,
} from '../../core/render/variables.ts';

const variable = (
  key: string,
  value: unknown,
  type: ServiceVariable['type'] = 'string',
  options: string[] = [],
): ServiceVariable => ({
  key,
  value,
  type,
  options,
  desc: '',
});

describe('ServiceVariable schema', () => {
  it('reads the spec KeyVal and fills options and desc', () => {
    // the body of PUT /openapi/service/yaml/:serviceName/variable
    expect(v.parse(ServiceVariable, { key: 'cpu', value: '12m', type: 'string', options: [], desc: '' })).toEqual(
      variable('cpu', '12m'),
    );
    expect(v.parse(ServiceVariable, { key: 'cpu', value: '12m', type: 'string', options: null, desc: null })).toEqual(
      variable('cpu', '12m'),
    );
    expect(v.parse(ServiceVariable, { key: 'cpu', value: '12m' })).toEqual(variable('cpu', '12m'));
  });

  it('rejects unknown types and empty keys', () => {
    expect(v.safeParse(ServiceVariable, { key: 'a', value: 1, type: 'int' }).success).toBe(false);
    expect(v.safeParse(ServiceVariable, { key: '', value: 1 }).success).toBe(false);
    expect(v.safeParse(ServiceVariable, { key: 'a b', value: 1 }).success).toBe(false);
  });
});

describe('checkVariable: values match their types', () => {
  it('bool takes true/false (or their strings) only', () => {
    expect(checkVariable(variable('tls', 'true', 'bool')).value).toBe(true);
    expect(checkVariable(variable('tls', false, 'bool')).value).toBe(false);
    expect(errorOf(() => checkVariable(variable('tls', 'yes', 'bool'), 'service_variable_kvs[0].value'))).toMatchObject(
      {
        message: 'variable "tls" is of type bool: its value must be true or false, got "yes"',
        field: 'service_variable_kvs[0].value',
      },
    );
    expect(errorOf(() => checkVariable(variable('tls', 1, 'bool'))).message).toBe(
      'variable "tls" is of type bool: its value must be true or false, got 1',
    );
  });

  it('enum must be one of its options', () => {
    expect(checkVariable(variable('size', 'M', 'enum', ['S', 'M', 'L'])).value).toBe('M');
    expect(checkVariable(variable('replicas', 2, 'enum', ['1', '2'])).value).toBe('2');
    expect(errorOf(() => checkVariable(variable('size', 'XL', 'enum', ['S', 'M', 'L']))).message).toBe(
      'variable "size" must be one of [S M L], got "XL"',
    );
    expect(errorOf(() => checkVariable(variable('size', 'S', 'enum'))).message).toBe(
      'variable "size" is of type enum but has no options',
    );
  });

  it('string takes scalars; nested values need type yaml', () => {
    expect(checkVariable(variable('port', 20012)).value).toBe(20012);
    expect(errorOf(() => checkVariable(variable('res', { cpu: 1 }))).message).toBe(
      'variable "res" is of type string but its value is an object; use type yaml for nested values',
    );
  });

  it('yaml must be valid YAML, without alias bombs', () => {
    expect(checkVariable(variable('res', 'cpu: 1\nmemory: 1Gi', 'yaml')).value).toBe('cpu: 1\nmemory: 1Gi');
    expect(errorOf(() => checkVariable(variable('res', 'a: [1', 'yaml'))).message).toMatch(
      /^variable "res": is not valid YAML at line 1/,
    );
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const name of 'bcdefghi')
      laughs.push(
        `${name}: &${name} [${Array(9)
          .fill(`*${String.fromCharCode(name.charCodeAt(0) - 1)}`)
          .join(',')}]`,
      );
    expect(errorOf(() => checkVariable(variable('bomb', laughs.join('\n'), 'yaml'))).message).toBe(
      'variable "bomb": expands aliases beyond the allowed limit',
    );
  });
});

describe('checkVariables', () => {
  it('reports every problem at once and names the first field', () => {
    const error = errorOf(() =>
      checkVariables(
        [variable('tls', 'maybe', 'bool'), variable('size', 'XL', 'enum', ['S']), variable('tls', true, 'bool')],
        'service_variable_kvs',
      ),
    );
    expect(error.message).toBe(
      'variable "tls" is of type bool: its value must be true or false, got "maybe"; variable "size" must be one of [S], got "XL"; variable "tls" is declared more than once',
    );
    expect(error.field).toBe('service_variable_kvs[0].value');
  });
});

describe('declareVariables', () => {
  it('keeps declared variables and adds used-but-undeclared keys as empty strings (spec service2)', () => {
    // service2 declares cpuLimit (GET /openapi/service/yaml/service2); its template also uses world, port, memoryLimit
    const declared = [{ key: 'cpuLimit', value: '55m', type: 'string' as const, options: [], desc: 'CPU limit' }];
    expect(declareVariables(declared, ['world', 'port', 'memoryLimit', 'cpuLimit'])).toEqual([
      { key: 'cpuLimit', value: '55m', type: 'string', options: [], desc: 'CPU limit' },
      variable('world', ''),
      variable('port', ''),
      variable('memoryLimit', ''),
    ]);
  });

  it('keeps the declared type, options and desc of a used key', () => {
    const declared = [{ key: 'size', value: 'M', type: 'enum' as const, options: ['S', 'M'], desc: 'pod size' }];
    expect(declareVariables(declared, ['size'])).toEqual(declared);
  });
});

describe('assignValues', () => {
  const declared = [
    variable('cpuLimit', '55m'),
    variable('tls', false, 'bool'),
    variable('size', 'S', 'enum', ['S', 'M']),
  ];

  it('gives new values that keep the declared types (template load variable_yaml)', () => {
    expect(
      assignValues(declared, [
        { key: 'cpuLimit', value: '100m' },
        { key: 'tls', value: 'true' },
      ]),
    ).toEqual([variable('cpuLimit', '100m'), variable('tls', true, 'bool'), variable('size', 'S', 'enum', ['S', 'M'])]);
  });

  it('checks new values against the declared types', () => {
    expect(
      errorOf(() => assignValues(declared, [{ key: 'size', value: 'XL' }], { field: 'variable_yaml' })),
    ).toMatchObject({
      message: 'variable "size" must be one of [S M], got "XL"',
      field: 'variable_yaml[0].value',
    });
  });

  it('rejects values for undeclared keys, naming all of them, unless told to ignore them', () => {
    expect(
      errorOf(() =>
        assignValues(declared, [
          { key: 'cpu', value: 1 },
          { key: 'mem', value: 2 },
        ]),
      ).message,
    ).toBe('no variable is declared for "cpu", "mem"');
    expect(assignValues(declared, [{ key: 'cpu', value: 1 }], { unknownKeys: 'ignore' })).toEqual(declared);
  });
});

describe('variablesToData', () => {
  it('types the data as yaml.v2 would: strings as given, whole numbers as ints, bools, enums, yaml as nodes', () => {
    const data = variablesToData([
      variable('mode', '0755'),
      variable('port', 20012),
      variable('ratio', 0.5),
      variable('tls', 'true', 'bool'),
      variable('size', 'M', 'enum', ['S', 'M']),
      variable('resources', 'limits:\n  cpu: 500m\n  memory: 1Gi\nreplicas: 3\nweight: 1.0\nmode: 0755\n', 'yaml'),
      variable('hosts', ['a.example', 'b.example'], 'yaml'),
      variable('ports', { http: 80, ratio: 1.5 }, 'yaml'),
    ]);
    expect(data).toEqual({
      mode: '0755',
      port: 20012n,
      ratio: 0.5,
      tls: true,
      size: 'M',
      resources: { limits: { cpu: '500m', memory: '1Gi' }, replicas: 3n, weight: 1, mode: 493n },
      hosts: ['a.example', 'b.example'],
      ports: { http: 80n, ratio: 1.5 },
    });
  });

  it('prints numbers as Go prints yaml.v2 data: ints as ints, floats with %v', () => {
    const data = variablesToData([
      variable('cfg', 'replicas: 1000000\nbig: 1.5e10\nwhole: 1000000.0\nsmall: 0.5\n', 'yaml'),
      variable('port', 8080),
    ]);
    expect(
      renderTemplate('{{.cfg.replicas}} {{.cfg.big}} {{.cfg.whole}} {{.cfg.small}} {{printf "%05d" .port}}', data),
    ).toBe('1000000 1.5e+10 1e+06 0.5 08080');
  });

  it('inserts a yaml value as a node the template can walk and print', () => {
    const data = variablesToData([
      variable('resources', 'limits:\n  cpu: 500m\n  memory: 1Gi\n', 'yaml'),
      variable('mode', '0755'),
    ]);
    expect(renderTemplate('cpu: {{.resources.limits.cpu}}\nresources: {{.resources}}\nmode: {{.mode}}', data)).toBe(
      'cpu: 500m\nresources: {"limits":{"cpu":"500m","memory":"1Gi"}}\nmode: 0755',
    );
  });

  it('keeps a "__proto__" key as data', () => {
    const data = variablesToData([variable('__proto__', 'x')]);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data)).toEqual(['__proto__']);
  });
});
