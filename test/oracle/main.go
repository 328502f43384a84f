// Command oracle renders Berth's template corpus with Go's own text/template
// the way Zadig does (pkg/microservice/aslan/core/common/util/template.go):
// data from gopkg.in/yaml.v2 unmarshalled into map[string]interface{}, no
// function map, option missingkey=error. It reads the corpus (a JSON list of
// {name, template, variables}) from the file named by its argument and prints
// one JSON object: case name -> {output} or {error: {class, key, message}}.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"text/template"

	"gopkg.in/yaml.v2"
)

type corpusCase struct {
	Name      string `json:"name"`
	Template  string `json:"template"`
	Variables string `json:"variables"`
}

type failure struct {
	// parse, yaml, missingkey or exec
	Class string `json:"class"`
	// the key a missingkey error names
	Key     string `json:"key,omitempty"`
	Message string `json:"message"`
}

type result struct {
	Output *string  `json:"output,omitempty"`
	Error  *failure `json:"error,omitempty"`
}

var missingKey = regexp.MustCompile(`map has no entry for key "((?:[^"\\]|\\.)*)"`)

func render(c corpusCase) result {
	tmpl, err := template.New("svc").Option("missingkey=error").Parse(c.Template)
	if err != nil {
		return result{Error: &failure{Class: "parse", Message: err.Error()}}
	}
	data := make(map[string]interface{})
	if err := yaml.Unmarshal([]byte(c.Variables), &data); err != nil {
		return result{Error: &failure{Class: "yaml", Message: err.Error()}}
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		if m := missingKey.FindStringSubmatch(err.Error()); m != nil {
			return result{Error: &failure{Class: "missingkey", Key: m[1], Message: err.Error()}}
		}
		return result{Error: &failure{Class: "exec", Message: err.Error()}}
	}
	text := out.String()
	return result{Output: &text}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: oracle corpus.json")
		os.Exit(2)
	}
	source, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var cases []corpusCase
	if err := json.Unmarshal(source, &cases); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
	results := make(map[string]result, len(cases))
	for _, c := range cases {
		if _, seen := results[c.Name]; seen {
			fmt.Fprintf(os.Stderr, "corpus: case %q appears twice\n", c.Name)
			os.Exit(1)
		}
		results[c.Name] = render(c)
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
