// The go-difflib oracle of tests/util/difflib_test.ts: reads a JSON array of cases from stdin
// and writes, as a JSON array, what go-difflib's WriteUnifiedDiff writes for each, the way
// kubeadm's `upgrade diff` calls it (A and B split by SplitLines). Texts travel base64-encoded
// so that any bytes survive.
package main

import (
	"encoding/json"
	"os"

	"github.com/pmezard/go-difflib/difflib"
)

type diffCase struct {
	A        []byte `json:"a"`
	B        []byte `json:"b"`
	FromFile string `json:"fromFile"`
	FromDate string `json:"fromDate"`
	ToFile   string `json:"toFile"`
	ToDate   string `json:"toDate"`
	Eol      string `json:"eol"`
	Context  int    `json:"context"`
}

func main() {
	var cases []diffCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	out := make([][]byte, 0, len(cases))
	for _, c := range cases {
		s, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A:        difflib.SplitLines(string(c.A)),
			B:        difflib.SplitLines(string(c.B)),
			FromFile: c.FromFile,
			FromDate: c.FromDate,
			ToFile:   c.ToFile,
			ToDate:   c.ToDate,
			Eol:      c.Eol,
			Context:  c.Context,
		})
		if err != nil {
			panic(err)
		}
		out = append(out, []byte(s))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
