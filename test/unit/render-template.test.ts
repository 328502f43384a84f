import { describe, expect, it } from 'vitest';
import { errorOf } from '../support/errors.ts';
import { templateData } from '../../core/render/go-data.ts';
import { MAX_TEMPLATE_DEPTH, parseTemplate, renderTemplate, templateVariables } from '../../core/render/template.ts';

// Every expected output marked "Go" was produced by Go 1.26 text/template
// (missingkey=error, data unmarshalled by gopkg.in/yaml.v2, sprig-equivalent
// default/quote for the cases that use them) and is pinned here; the whole
// language is held against Go itself by render-oracle.test.ts.

describe('renderTemplate: values print as yaml.v2 data prints in Go', () => {
  it('prints strings, bools, ints, floats and YAML 1.1 scalars (Go)', () => {
    const data = templateData(
      "s: hello world\nb: false\ni: -42\nf: 2.50\nq: '007'\no: 0755\nbig: 1000000\nsmall: 0.00001\nlarge: 1234567.5\non: yes\n",
    );
    expect(
      renderTemplate('{{.s}}|{{.b}}|{{.i}}|{{.f}}|{{.q}}|{{.o}}|{{.big}}|{{.small}}|{{.large}}|{{.on}}', data),
    ).toBe('hello world|false|-42|2.5|007|493|1000000|1e-05|1.2345675e+06|true');
    expect(renderTemplate('{{.a}} {{.b}} {{.c}} {{.d}}', templateData('a: 1.5e10\nb: 1000000.0\nc: 2.0\nd: 08'))).toBe(
      '1.5e+10 1e+06 2 8',
    );
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
    expect(renderTemplate('key: {{.v}}', templateData('v: ~'))).toBe('key: ');
  });

  it('prints maps and lists as JSON flow nodes (decision; Go prints map[...] and [a b])', () => {
    const data = templateData('res: {limits: {cpu: 1, memory: 1Gi}}\nargs: [--port, 8080]\n');
    expect(renderTemplate('resources: {{.res}}\nargs: {{.args}}', data)).toBe(
      'resources: {"limits":{"cpu":1,"memory":"1Gi"}}\nargs: ["--port",8080]',
    );
    expect(renderTemplate('{{slice .args 1}}', data)).toBe('[8080]');
  });

  it('keeps ints beyond 2^53 exact, as yaml.v2 does (Go)', () => {
    expect(renderTemplate('{{.a}} {{printf "%x" .a}}', templateData('a: 9007199254740993'))).toBe(
      '9007199254740993 20000000000001',
    );
  });
});

describe('renderTemplate: keys and missing keys', () => {
  it('reads nested keys, $ and parenthesized chains', () => {
    const data = templateData('db: {primary: {host: pg, port: 5432}}\nns: prod');
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
        templateData('b: {x: 1}\nitems: [{name: one}, {}]\nm: {}\n'),
      ),
    );
    expect(error.message).toBe('template validate err: missing keys [a b.c items[1].name flag m["k-1"] l]');
    expect(error.code).toBe('Invalid');
  });

  it('names the first missing segment of a path, and a field of null as missing', () => {
    expect(errorOf(() => renderTemplate('{{.a.b.c}} {{.n.x}}', templateData('n: ~'))).message).toBe(
      'template validate err: missing keys [a n.x]',
    );
  });

  it('names the keys a range body misses with their element path', () => {
    const data = templateData('svc: {web: {port: 80}, api: {}}');
    expect(errorOf(() => renderTemplate('{{range .svc}}{{.port}}{{end}}', data)).message).toBe(
      'template validate err: missing keys [svc.api.port]',
    );
  });

  it('does not count a key used only under default as missing', () => {
    expect(
      renderTemplate(
        '{{default "x" .v}} {{.w | default "y"}} {{default "z" .a.b}} {{default 1 .zero}}',
        templateData('zero: 0'),
      ),
    ).toBe('x y z 1');
    // the fallback itself is still required
    expect(errorOf(() => renderTemplate('{{default .fallback .v}}', {})).message).toBe(
      'template validate err: missing keys [fallback]',
    );
  });

  it("uses default's value when it is not empty (Go + sprig)", () => {
    const data = templateData("e: ''\nz: 0\nf: false\nv: val\ns: str");
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
    const data = templateData("tier: silver\ndb: {host: pg, port: 5432}\ncache: ''");
    expect(
      renderTemplate(
        '{{if eq .tier "gold"}}g{{else if eq .tier "silver"}}s{{else}}b{{end}}|{{with .db}}{{.host}}:{{.port}}{{else}}none{{end}}|{{with .cache}}c{{else with .db}}{{.host}}{{end}}',
        data,
      ),
    ).toBe('s|pg:5432|pg');
  });

  it('range over lists, maps (sorted keys), ints, with else, break and continue', () => {
    const data = templateData('ports: [80, 8080, 443, 9090]\nlabels: {zone: a, app: web, tier: back}\nnone: []');
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
        templateData('name: web\nprefix: p\nitems: [1, 2]'),
      ),
    ).toBe('p-web-1 p-web-2 2');
    expect(errorOf(() => renderTemplate('{{if true}}{{$x := 1}}{{end}}{{$x}}', {})).message).toBe(
      'template: line 1: undefined variable "$x"',
    );
  });

  it('compares and inspects values', () => {
    const data = templateData('a: 1\ns: yy\nz: 0\nl: [a, b, c]\nm: {k-1: v}');
    expect(
      renderTemplate(
        '{{eq .a 1}} {{eq .s "x" "yy"}} {{ne .s "x"}} {{lt .a 2}} {{le .a 1}} {{gt .s "a"}} {{ge .a 5}} {{and .a .s}} {{or .z .s}} {{not .a}} {{len .s}} {{len .l}} {{index .l 1}} {{index .m "k-1"}}',
        data,
      ),
    ).toBe('true true true true true true false yy yy false 2 3 b v');
    expect(renderTemplate('{{eq .n nil}} {{eq .n "x"}}', templateData('n: ~'))).toBe('true false');
  });

  it('rejects comparing a string with a number, as Go does', () => {
    expect(errorOf(() => renderTemplate('{{eq .port 80}}', { port: '80' })).message).toBe(
      'template: line 1: error calling eq: incompatible types for comparison: string and int',
    );
    expect(errorOf(() => renderTemplate('{{lt .a .b}}', templateData('a: 1\nb: 1.5'))).message).toBe(
      'template: line 1: error calling lt: incompatible types for comparison: int and float',
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
    const data = templateData("enabled: true\nreplicas: 3\nenv: {LOG_LEVEL: debug, API_URL: 'http://api'}");
    expect(renderTemplate(template, data)).toBe(
      'spec:\n  replicas: 3\n  env:\n    - name: API_URL\n      value: "http://api"\n    - name: LOG_LEVEL\n      value: "debug"\n',
    );
  });

  it('quotes like Go %q (Go + sprig quote)', () => {
    const data = templateData('s: "say \\"hi\\"\\n\\tand\\u00a0bye\\u0007"\nt: true');
    expect(renderTemplate('{{quote .s}} {{quote 5}} {{quote .t}}', data)).toBe(
      '"say \\"hi\\"\\n\\tand\\u00a0bye\\a" "5" "true"',
    );
  });

  it('formats with printf (Go)', () => {
    expect(
      renderTemplate(
        '{{printf "%s-%d|%5d|%-5s|%05d|%x|%X|%.2f|%q|%t|%%|%+d" .name .port 42 "ab" 42 255 "hi" 3.14159 "x" true 5}}',
        { name: 'web', port: 8080n },
      ),
    ).toBe('web-8080|   42|ab   |00042|ff|6869|3.14|"x"|true|%|+5');
  });

  it('rejects a printf argument of the wrong type instead of printing %!d(string=x)', () => {
    expect(errorOf(() => renderTemplate('{{printf "%d" .port}}', { port: '80' })).message).toBe(
      'template: line 1: error calling printf: printf: %d cannot format string "80" in "%d"',
    );
    expect(errorOf(() => renderTemplate('{{printf "%s %s" "a"}}', {})).message).toMatch(/argument missing for %s/);
  });
});

describe('renderTemplate: named templates and escaping functions (Go)', () => {
  it('defines templates and calls them with a dot of their own', () => {
    const template = [
      '{{- define "labels" }}app: {{ .app }}{{ with $.tier }}, tier: {{ . }}{{ end }}{{ end -}}',
      'labels: {{ template "labels" . }}',
      'db: {{ template "db" .db }}',
      '{{ block "extra" . }}extra: none{{ end }}',
      '{{- define "db" }}{{ .host }}:{{ .port }}{{ end }}',
    ].join('\n');
    expect(renderTemplate(template, templateData('app: web\ntier: back\ndb: {host: pg, port: 5432}'))).toBe(
      'labels: app: web, tier: back\ndb: pg:5432\nextra: none',
    );
  });

  it('refuses what Go refuses: an undefined template, a second definition, an outer variable', () => {
    expect(errorOf(() => renderTemplate('{{template "nope" .}}', {})).message).toBe(
      'template: line 1: template "nope" not defined',
    );
    expect(errorOf(() => parseTemplate('{{define "x"}}A{{end}}\n{{define "x"}}B{{end}}')).message).toBe(
      'template: line 2: multiple definition of template "x"',
    );
    expect(errorOf(() => parseTemplate('{{$x := 1}}{{define "t"}}{{$x}}{{end}}')).message).toBe(
      'template: line 1: undefined variable "$x"',
    );
  });

  it('stops recursion at the template depth limit and before the stack runs out', () => {
    const recursive = '{{define "t"}}{{if .}}{{template "t" (slice . 1)}}{{end}}{{end}}{{template "t" .s}}';
    expect(renderTemplate(recursive, { s: 'x'.repeat(MAX_TEMPLATE_DEPTH - 1) })).toBe('');
    expect(errorOf(() => renderTemplate(recursive, { s: 'x'.repeat(MAX_TEMPLATE_DEPTH) })).message).toBe(
      `template: line 1: exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`,
    );
    const nested = `${'{{if true}}'.repeat(250)}{{template "t" .}}${'{{end}}'.repeat(250)}`;
    expect(errorOf(() => renderTemplate(`{{define "t"}}${nested}{{end}}{{template "t" .}}`, {})).message).toBe(
      'template: line 1: template calls nest too deeply for the available stack',
    );
  });

  it('escapes for HTML, JavaScript and URL queries', () => {
    const data = templateData('s: "<a href=\\"x\\">Tom & Jerry\'s</a> é=1"');
    expect(renderTemplate('{{html .s}}\n{{js .s}}\n{{urlquery .s}}\n{{html 1 "<b>" 2 3}}', data)).toBe(
      [
        '&lt;a href=&#34;x&#34;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt; é=1',
        '\\u003Ca href\\u003D\\"x\\"\\u003ETom \\u0026 Jerry\\\'s\\u003C/a\\u003E é\\u003D1',
        '%3Ca+href%3D%22x%22%3ETom+%26+Jerry%27s%3C%2Fa%3E+%C3%A9%3D1',
        '1&lt;b&gt;2 3',
      ].join('\n'),
    );
  });
});

describe('renderTemplate: unsupported constructs are errors naming them', () => {
  it.each([
    ['a\n{{ toYaml .x | nindent 2 }}', 'template: line 2: function "toYaml" is not supported'],
    [
      '{{printf "%T" 1.5}}',
      'template: line 1: error calling printf: printf: %T (Go types and pointers) is not supported in "%T"',
    ],
    ['{{if true}}{{define "x"}}a{{end}}{{end}}', 'template: line 1: {{define}} is allowed only at the top level'],
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

  it('reads the templates called with the root, once each', () => {
    const template =
      '{{define "meta"}}{{.name}}{{$.ns}}{{template "meta" .}}{{end}}{{define "db"}}{{.host}}{{$.port}}{{end}}' +
      '{{template "meta" .}}{{template "db" .database}}{{block "extra" $}}{{.extra}}{{end}}';
    expect(templateVariables(template)).toEqual(['name', 'ns', 'database', 'extra']);
  });

  it('reads else branches with the outer dot', () => {
    expect(
      templateVariables('{{with .a}}{{.inner}}{{else}}{{.b}}{{end}}{{range .l}}{{.x}}{{else}}{{.c}}{{end}}'),
    ).toEqual(['a', 'b', 'l', 'c']);
  });
});
