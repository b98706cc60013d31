// Command goyaml_oracle converts JSON documents to YAML with sigs.k8s.io/yaml v1.6.0 (go-yaml
// v2.4.4), exactly the JSONToYAML step kubeadm v1.37.2 uses to write every YAML file and object.
// It is the reference for kubestrap's YAML writer (lib/util/goyaml.ts): tests/util/goyaml_test.ts
// holds expectations generated with it and runs it on random documents when Go is available.
//
// Input: one JSON document per line. Each is decoded (numbers kept as written) and encoded again
// with encoding/json, so that JSONToYAML reads exactly what Go's json.Marshal writes (which escapes
// <, >, &, U+2028 and U+2029 where JavaScript's JSON.stringify does not). Output: one line per
// input, the JSON string of the YAML text, or {"error": "..."} when JSONToYAML fails.
//
// Run: GOFLAGS=-mod=mod GOTOOLCHAIN=local GOPROXY=off go run . < in.jsonl
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var v interface{}
		if err := dec.Decode(&v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		j, err := json.Marshal(v)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		out, err := yaml.JSONToYAML(j)
		var line []byte
		if err != nil {
			line, _ = json.Marshal(map[string]string{"error": err.Error()})
		} else {
			line, _ = json.Marshal(string(out))
		}
		fmt.Fprintf(w, "%s\n", line)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
