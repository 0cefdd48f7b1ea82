// Command goregexp records Go's regexp results for tests/unit/template/test_re2_golden.py.
//
// It reads cases.json (pattern, input, replacement) on stdin and writes, per case, Go's
// compile error or the results of the Regexp methods sprig uses (FindAll and Split with
// n = -1 and n = 2). Standard library only:
// run it with `make golden-regexp` (GOPROXY=off); CI reads the committed golden.json.
package main

import (
	"encoding/json"
	"os"
	"regexp"
)

type testCase struct {
	Pattern string `json:"pattern"`
	Input   string `json:"input"`
	Repl    string `json:"repl"`
}

type result struct {
	testCase
	Error             *string  `json:"error"`
	Match             bool     `json:"match"`
	Find              string   `json:"find"`
	FindAll           []string `json:"findAll"`
	Submatch          []string `json:"submatch"`
	ReplaceAll        string   `json:"replaceAll"`
	ReplaceAllLiteral string   `json:"replaceAllLiteral"`
	Split             []string `json:"split"`
	FindAll2          []string `json:"findAll2"`
	Split2            []string `json:"split2"`
}

func run(c testCase) result {
	r := result{testCase: c}
	re, err := regexp.Compile(c.Pattern)
	if err != nil {
		msg := err.Error()
		r.Error = &msg
		return r
	}
	r.Match = re.MatchString(c.Input)
	r.Find = re.FindString(c.Input)
	r.FindAll = re.FindAllString(c.Input, -1)
	r.Submatch = re.FindStringSubmatch(c.Input)
	r.ReplaceAll = re.ReplaceAllString(c.Input, c.Repl)
	r.ReplaceAllLiteral = re.ReplaceAllLiteralString(c.Input, c.Repl)
	r.Split = re.Split(c.Input, -1)
	r.FindAll2 = re.FindAllString(c.Input, 2)
	r.Split2 = re.Split(c.Input, 2)
	return r
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	out := make([]result, 0, len(cases))
	for _, c := range cases {
		out = append(out, run(c))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
