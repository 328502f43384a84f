import { describe, expect, it } from 'vitest';
import { errorOf } from '../support/errors.ts';
import { parseYamlValue } from '../../core/yaml.ts';
import { parseTemplate, renderTemplate, templateVariables } from '../../core/render/template.ts';

/** Template data the way Zadig builds it: a YAML mapping (yaml.v2 typing). */
const yamlData = (source: string): Record<string, unknown> =>
  (parseYamlValue(source, 'data') ?? {}) as Record<string, unknown>;

/** The error a call throws (fails the test when it does not throw). */

// Every expected output marked "Go" was produced by Go 1.26 text/template
// (missingkey=error, data unmarshalled by gopkg.in/yaml.v2, sprig-equivalent
// default/quote for the cases that use them) and is pinned here.

describe('renderTemplate: values print as yaml.v2 data prints in Go', () => {
  it('prints strings, bools, ints, floats and YAML 1.1 scalars (Go)', () => {
    const data = yamlData(
      "s: hello world\nb: false\ni: -42\nf: 2.50\nq: '007'\no: 0755\nbig: 1000000\nsmall: 0.00001\nlarge: 1234567.5\non: yes\n",
    );
    expect(
      renderTemplate('{{.s}}|{{.b}}|{{.i}}|{{.f}}|{{.q}}|{{.o}}|{{.big}}|{{.small}}|{{.large}}|{{.on}}', data),
    ).toBe('hello world|false|-42|2.5|007|493|1000000|1e-05|1.2345675e+06|true');
  });

  it('evaluates literals like Go (Go)', () => {
    expect(
      renderTemplate(
        '{{"tab\\there"}}|{{`raw\\n`}}|{{"\\x41\\u00e9"}}|{{\'a\'}}|{{0x1F}}|{{1e3}}|{{1_000}}|{{print 1 2 "a" "b" 3}}',
        {},
      ),
    ).toBe('tab\there|raw\\n|Aé|97|31|1000|1000|1 2ab3');
  });

  it('prints null as nothing, so `key: {{.v}}` renders a YAML null (decision; Go prints <no value>)', () => {
    expect(renderTemplate('key: {{.v}}', yamlData('v: ~'))).toBe('key: ');
  });

  it('prints maps and lists as JSON flow nodes (decision; Go prints map[...] and [a b])', () => {
    const data = yamlData('res: {limits: {cpu: 1, memory: 1Gi}}\nargs: [--port, 8080]\n');
    expect(renderTemplate('resources: {{.res}}\nargs: {{.args}}', data)).toBe(
      'resources: {"limits":{"cpu":1,"memory":"1Gi"}}\nargs: ["--port",8080]',
    );
    expect(renderTemplate('{{slice .args 1}}', data)).toBe('[8080]');
  });

  it('prints integral numbers as integers (decision; Go prints a float64 1000000.0 as 1e+06)', () => {
    expect(renderTemplate('{{.a}} {{.b}}', yamlData('a: 1000000.0\nb: 2.0'))).toBe('1000000 2');
  });
});

describe('renderTemplate: keys and missing keys', () => {
  it('reads nested keys, $ and parenthesized chains', () => {
    const data = yamlData('db: {primary: {host: pg, port: 5432}}\nns: prod');
    expect(
      renderTemplate(
        '{{.db.primary.host}}:{{.db.primary.port}} {{with .db}}{{.primary.host}}@{{$.ns}}{{end}} {{(.db.primary).port}}',
        data,
      ),
    ).toBe('pg:5432 pg@prod 5432');
  });

  it('names every missing key in one error, in order of use, once each', () => {
    const error = errorOf(() =>
      renderTemplate(
        '{{.a}} {{.b.c}} {{.a}}\n{{range .items}}{{.name}}{{end}}\n{{if .flag}}x{{end}} {{index .m "k-1"}} {{len .l}}',
        yamlData('b: {x: 1}\nitems: [{name: one}, {}]\nm: {}\n'),
      ),
    );
    expect(error.message).toBe('template validate err: missing keys [a b.c items[1].name flag m["k-1"] l]');
    expect(error.code).toBe('Invalid');
  });

  it('names the first missing segment of a path, and a field of null as missing', () => {
    expect(errorOf(() => renderTemplate('{{.a.b.c}} {{.n.x}}', yamlData('n: ~'))).message).toBe(
      'template validate err: missing keys [a n.x]',
    );
  });

  it('names the keys a range body misses with their element path', () => {
    const data = yamlData('svc: {web: {port: 80}, api: {}}');
    expect(errorOf(() => renderTemplate('{{range .svc}}{{.port}}{{end}}', data)).message).toBe(
      'template validate err: missing keys [svc.api.port]',
    );
  });

  it('does not count a key used only under default as missing', () => {
    expect(
      renderTemplate(
        '{{default "x" .v}} {{.w | default "y"}} {{default "z" .a.b}} {{default 1 .zero}}',
        yamlData('zero: 0'),
      ),
    ).toBe('x y z 1');
    // the fallback itself is still required
    expect(errorOf(() => renderTemplate('{{default .fallback .v}}', {})).message).toBe(
      'template validate err: missing keys [fallback]',
    );
  });

  it("uses default's value when it is not empty (Go + sprig)", () => {
    const data = yamlData("e: ''\nz: 0\nf: false\nv: val\ns: str");
    expect(
      renderTemplate(
        '{{default "x" .e}} {{default "x" .z}} {{default "x" .f}} {{.v | default "y"}} {{default 5 .s}}',
        data,
      ),
    ).toBe('x x x val str');
  });

  it('does not read inherited properties as keys', () => {
    expect(errorOf(() => renderTemplate('{{.constructor}}{{.toString}}', {})).message).toBe(
      'template validate err: missing keys [constructor toString]',
    );
  });
});

describe('renderTemplate: control structures (Go)', () => {
  it('if / else if / else, with / else with / else', () => {
    const data = yamlData("tier: silver\ndb: {host: pg, port: 5432}\ncache: ''");
    expect(
      renderTemplate(
        '{{if eq .tier "gold"}}g{{else if eq .tier "silver"}}s{{else}}b{{end}}|{{with .db}}{{.host}}:{{.port}}{{else}}none{{end}}|{{with .cache}}c{{else with .db}}{{.host}}{{end}}',
        data,
      ),
    ).toBe('s|pg:5432|pg');
  });

  it('range over lists, maps (sorted keys), ints, with else, break and continue', () => {
    const data = yamlData('ports: [80, 8080, 443, 9090]\nlabels: {zone: a, app: web, tier: back}\nnone: []');
    expect(
      renderTemplate(
        '{{range $i, $p := .ports}}{{if $i}},{{end}}{{$p}}{{end}}|{{range $k, $v := .labels}}{{$k}}={{$v}};{{end}}|{{range 3}}{{.}}{{end}}|{{range .none}}x{{else}}empty{{end}}|{{range .ports}}{{if eq . 443}}{{break}}{{end}}{{if eq . 80}}{{continue}}{{end}}{{.}}{{end}}',
        data,
      ),
    ).toBe('80,8080,443,9090|app=web;tier=back;zone=a;|012|empty|8080');
  });

  it('declares and assigns variables with Go scoping', () => {
    expect(
      renderTemplate(
        '{{$name := .name}}{{$count := 0}}{{range .items}}{{$count = .}}{{$.prefix}}-{{$name}}-{{.}} {{end}}{{$count}}',
        yamlData('name: web\nprefix: p\nitems: [1, 2]'),
      ),
    ).toBe('p-web-1 p-web-2 2');
    expect(errorOf(() => renderTemplate('{{if true}}{{$x := 1}}{{end}}{{$x}}', {})).message).toBe(
      'template: line 1: undefined variable "$x"',
    );
  });

  it('compares and inspects values', () => {
    const data = yamlData('a: 1\ns: yy\nz: 0\nl: [a, b, c]\nm: {k-1: v}');
    expect(
      renderTemplate(
        '{{eq .a 1}} {{eq .s "x" "yy"}} {{ne .s "x"}} {{lt .a 2}} {{le .a 1}} {{gt .s "a"}} {{ge .a 5}} {{and .a .s}} {{or .z .s}} {{not .a}} {{len .s}} {{len .l}} {{index .l 1}} {{index .m "k-1"}}',
        data,
      ),
    ).toBe('true true true true true true false yy yy false 2 3 b v');
    expect(renderTemplate('{{eq .n nil}} {{eq .n "x"}}', yamlData('n: ~'))).toBe('true false');
  });

  it('rejects comparing a string with a number, as Go does', () => {
    expect(errorOf(() => renderTemplate('{{eq .port 80}}', { port: '80' })).message).toBe(
      'template: line 1: error calling eq: incompatible types for comparison: string and number',
    );
  });
});

describe('renderTemplate: whitespace, comments and functions (Go)', () => {
  it('trims with {{- and -}} and drops comments', () => {
    expect(renderTemplate('a:\n  {{- /* comment */ -}}\n  {{ .x }}\nb: {{ .y -}}   \n\n  c', { x: 1, y: 2 })).toBe(
      'a:1\nb: 2c',
    );
    expect(renderTemplate('a\n{{/* multi\nline */}}\nb', {})).toBe('a\n\nb');
  });

  it('renders the Helm-style block most service templates use (Go + sprig quote)', () => {
    const template = [
      'spec:',
      '  {{- if .enabled }}',
      '  replicas: {{ .replicas }}',
      '  {{- end }}',
      '  env:',
      '  {{- range $k, $v := .env }}',
      '    - name: {{ $k }}',
      '      value: {{ $v | quote }}',
      '  {{- end }}',
      '',
    ].join('\n');
    const data = yamlData("enabled: true\nreplicas: 3\nenv: {LOG_LEVEL: debug, API_URL: 'http://api'}");
    expect(renderTemplate(template, data)).toBe(
      'spec:\n  replicas: 3\n  env:\n    - name: API_URL\n      value: "http://api"\n    - name: LOG_LEVEL\n      value: "debug"\n',
    );
  });

  it('quotes like Go %q (Go + sprig quote)', () => {
    const data = yamlData('s: "say \\"hi\\"\\n\\tand\\u00a0bye\\u0007"\nt: true');
    expect(renderTemplate('{{quote .s}} {{quote 5}} {{quote .t}}', data)).toBe(
      '"say \\"hi\\"\\n\\tand\\u00a0bye\\a" "5" "true"',
    );
  });

  it('formats with printf (Go)', () => {
    expect(
      renderTemplate(
        '{{printf "%s-%d|%5d|%-5s|%05d|%x|%X|%.2f|%q|%t|%%|%+d" .name .port 42 "ab" 42 255 "hi" 3.14159 "x" true 5}}',
        {
          name: 'web',
          port: 8080,
        },
      ),
    ).toBe('web-8080|   42|ab   |00042|ff|6869|3.14|"x"|true|%|+5');
  });

  it('rejects a printf argument of the wrong type instead of printing %!d(string=x)', () => {
    expect(errorOf(() => renderTemplate('{{printf "%d" .port}}', { port: '80' })).message).toBe(
      'template: line 1: error calling printf: printf: %d cannot format string "80"',
    );
    expect(errorOf(() => renderTemplate('{{printf "%s %s" "a"}}', {})).message).toMatch(/missing argument for %s/);
  });
});

describe('renderTemplate: unsupported constructs are errors naming them', () => {
  it.each([
    ['{{define "x"}}a{{end}}', 'template: line 1: {{define}} is not supported'],
    ['{{template "x" .}}', 'template: line 1: {{template}} is not supported'],
    ['{{block "x" .}}a{{end}}', 'template: line 1: {{block}} is not supported'],
    ['a\n{{ toYaml .x | nindent 2 }}', 'template: line 2: function "toYaml" is not supported'],
    ['{{html .x}}', 'template: line 1: function "html" is not supported'],
    ['{{printf "%e" 1.5}}', 'template: line 1: error calling printf: printf: verb %e is not supported'],
    ['{{1i}}', 'template: line 1: complex number 1i is not supported'],
    ['{{.a 1}}', 'template: line 1: .a is not a function and cannot take arguments'],
  ])('%s', (template, message) => {
    expect(errorOf(() => renderTemplate(template, { a: 1, x: 1 })).message).toBe(message);
  });

  it('reports syntax errors with their line', () => {
    expect(errorOf(() => parseTemplate('a\nb\n{{if .x}}c')).message).toBe(
      'template: line 3: unexpected EOF: {{if}} at line 3 has no {{end}}',
    );
    expect(errorOf(() => parseTemplate('{{end}}')).message).toBe('template: line 1: unexpected {{end}}');
    expect(errorOf(() => parseTemplate('x\n{{.a')).message).toBe('template: line 2: unclosed action');
    expect(errorOf(() => parseTemplate('{{break}}')).message).toBe('template: line 1: {{break}} outside {{range}}');
    expect(errorOf(() => parseTemplate('{{}}')).message).toBe('template: line 1: missing value for command');
  });

  it('stops a template that would run or grow without bound', () => {
    expect(errorOf(() => renderTemplate('{{range 100000000}}{{end}}', {})).message).toMatch(
      /execution exceeds 1000000 steps/,
    );
    expect(
      errorOf(() => renderTemplate('{{range 1000}}0123456789{{end}}', {}, { maxOutputLength: 5000 })).message,
    ).toBe('template: rendered output exceeds 5000 characters');
    expect(errorOf(() => parseTemplate(`${'{{'.repeat(1) + '('.repeat(300)}1${')'.repeat(300)}}}`)).message).toMatch(
      /nesting deeper than/,
    );
  });
});

describe('templateVariables', () => {
  it('lists the top-level keys a template reads, in order, once each', () => {
    const template =
      'hello: {{.world}}\nport: {{.port}}\n{{if .tls.enabled}}tls{{end}}\n{{range $k, $v := .labels}}{{$k}}: {{.value}} {{$.ns}}{{end}}\n{{with .db}}{{.host}}{{end}}\n{{index . "dash-key"}} {{default "x" .optional}} {{.port}}';
    expect(templateVariables(template)).toEqual(['world', 'port', 'tls', 'labels', 'ns', 'db', 'dash-key', 'optional']);
  });

  it('reads else branches with the outer dot', () => {
    expect(
      templateVariables('{{with .a}}{{.inner}}{{else}}{{.b}}{{end}}{{range .l}}{{.x}}{{else}}{{.c}}{{end}}'),
    ).toEqual(['a', 'b', 'l', 'c']);
  });
});
