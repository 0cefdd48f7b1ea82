// Command gotemplate renders every case of cases.json with Go's text/template and writes
// what Go produced (output, or the exact parse/exec error) to golden.json. The Python engine's
// golden tests compare against that file byte for byte; CI never runs Go.
//
// Usage: go run . cases.json golden.json
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// caseFile is cases.json: shared data sets plus the cases; a case names a data set or
// carries its own data.
type caseFile struct {
	Datasets map[string]json.RawMessage `json:"datasets"`
	Cases    []testCase                 `json:"cases"`
}

type testCase struct {
	Name       string          `json:"name"`
	Template   string          `json:"template"`
	Dataset    string          `json:"dataset"`
	Data       json.RawMessage `json:"data"`
	Strings    bool            `json:"strings"`
	MissingKey string          `json:"missingkey"`
	Left       string          `json:"left"`
	Right      string          `json:"right"`
}

type result struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
	Phase  string  `json:"phase"`
}

// funcs mimics typical sprig signatures so argument conversion and error wrapping are
// covered; tests/unit/template/golden_funcs.py mirrors them.
func funcs() template.FuncMap {
	return template.FuncMap{
		"repeatN": func(n int, s string) string { return strings.Repeat(s, n) },
		"joinS":   func(sep string, parts ...string) string { return strings.Join(parts, sep) },
		"fail":    func(s string) (string, error) { return "", errors.New("failed on purpose") },
		"failInt": func() (int, error) { return 0, errors.New("no number today") },
		"add64":   func(a, b int64) int64 { return a + b },
		"typeOf":  func(v interface{}) string { return fmt.Sprintf("%T", v) },
		"double":  func(f float64) float64 { return f * 2 },
		"strs":    func(s ...string) []string { return s },
		"u8":      func(b uint8) uint8 { return b + 1 },
		"neg":     func(b bool) bool { return !b },
		"atoi":    func(s string) int { n, _ := strconv.Atoi(s); return n },
		"nilfn":   func() interface{} { return nil },
		"list":    func(v ...interface{}) []interface{} { return v },
		"dict": func(kv ...interface{}) map[string]interface{} {
			m := map[string]interface{}{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"upper":    strings.ToUpper,
		"strmap":   func() map[string]string { return map[string]string{"k": "v", "a": "b"} },
		"takesMap": func(m map[string]string) int { return len(m) },
		"dur":      func(n int64) time.Duration { return time.Duration(n) },
		"f32":      func(f float64) float32 { return float32(f) },
		"bytesOf":  func(s string) []byte { return []byte(s) },
		"i32":      func(n int32) int32 { return n },
		"u64":      func(n uint64) uint64 { return n },
		"takesAny": func(v []interface{}) int { return len(v) },
		"epoch":    func(n int64) time.Time { return time.Unix(n, 0).UTC() },
		"epochMs":  func(n int64) time.Time { return time.UnixMilli(n).UTC() },
	}
}

// normalize turns json.Number into int (when integral) or float64, like the Python side.
func normalize(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case map[string]interface{}:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case []interface{}:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	}
	return v
}

func decode(c testCase) (interface{}, error) {
	if len(c.Data) == 0 {
		if c.Strings {
			return map[string]string{}, nil
		}
		return map[string]interface{}{}, nil
	}
	if c.Strings {
		var m map[string]string
		err := json.Unmarshal(c.Data, &m)
		return m, err
	}
	dec := json.NewDecoder(bytes.NewReader(c.Data))
	dec.UseNumber()
	var v interface{}
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return normalize(v), nil
}

func run(c testCase) result {
	mk := c.MissingKey
	if mk == "" {
		mk = "error"
	}
	t := template.New(c.Name).Funcs(funcs()).Option("missingkey=" + mk)
	if c.Left != "" || c.Right != "" {
		t = t.Delims(c.Left, c.Right)
	}
	t, err := t.Parse(c.Template)
	if err != nil {
		msg := err.Error()
		return result{Error: &msg, Phase: "parse"}
	}
	data, err := decode(c)
	if err != nil {
		panic(fmt.Sprintf("case %s: bad data: %v", c.Name, err))
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		msg := err.Error()
		return result{Error: &msg, Phase: "exec"}
	}
	out := buf.String()
	return result{Output: &out, Phase: "ok"}
}

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	var file caseFile
	if err := json.Unmarshal(raw, &file); err != nil {
		panic(err)
	}
	cases := file.Cases
	for i, c := range cases {
		if c.Dataset != "" {
			data, ok := file.Datasets[c.Dataset]
			if !ok {
				panic("case " + c.Name + ": unknown dataset " + c.Dataset)
			}
			cases[i].Data = data
		}
	}
	results := map[string]result{}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.Name] {
			panic("duplicate case name " + c.Name)
		}
		seen[c.Name] = true
		results[c.Name] = run(c)
	}
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	var out bytes.Buffer
	out.WriteString("{\n")
	for i, n := range names {
		key, _ := json.Marshal(n)
		var val bytes.Buffer
		enc := json.NewEncoder(&val)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(results[n]); err != nil {
			panic(err)
		}
		sep := ","
		if i == len(names)-1 {
			sep = ""
		}
		fmt.Fprintf(&out, "  %s: %s%s\n", key, bytes.TrimSpace(val.Bytes()), sep)
	}
	out.WriteString("}\n")
	if err := os.WriteFile(os.Args[2], out.Bytes(), 0o644); err != nil {
		panic(err)
	}
}
