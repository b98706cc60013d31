// Command ccschema prints the JSON field schema (names, kinds, omitempty, pointer-ness) and the
// zero-value YAML of the component configs kubeadm v1.37.2 embeds, for kubestrap's strict decoder
// and marshaller (lib/config/componentconfig_schema.ts). Run: GOPROXY=off go run . > out.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"

	kubeproxyconfig "k8s.io/kube-proxy/config/v1alpha1"
	kubeletconfig "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"
)

type node struct {
	T      string           `json:"t"`
	Go     string           `json:"go,omitempty"`
	Fields map[string]field `json:"fields,omitempty"`
	Elem   *node            `json:"elem,omitempty"`
}

type field struct {
	S    *node `json:"s"`
	Omit bool  `json:"omit,omitempty"`
	Ptr  bool  `json:"ptr,omitempty"`
}

var jsonUnmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

func goName(t reflect.Type) string { return t.String() }

func describe(t reflect.Type) *node {
	if t.Kind() == reflect.Ptr {
		return describe(t.Elem())
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		if t.String() == "v1.Duration" {
			return &node{T: "duration", Go: t.String()}
		}
		return &node{T: "any", Go: t.String()}
	}
	switch t.Kind() {
	case reflect.String:
		return &node{T: "string", Go: goName(t)}
	case reflect.Bool:
		return &node{T: "bool", Go: goName(t)}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &node{T: "int", Go: goName(t)}
	case reflect.Float32, reflect.Float64:
		return &node{T: "float", Go: goName(t)}
	case reflect.Slice:
		return &node{T: "slice", Go: goName(t), Elem: describe(t.Elem())}
	case reflect.Map:
		return &node{T: "map", Go: goName(t), Elem: describe(t.Elem())}
	case reflect.Interface:
		return &node{T: "any", Go: goName(t)}
	case reflect.Struct:
		n := &node{T: "struct", Go: goName(t), Fields: map[string]field{}}
		addFields(n, t)
		return n
	}
	panic("unhandled kind " + t.String())
}

func addFields(n *node, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		parts := strings.Split(tag, ",")
		name := parts[0]
		omit := false
		for _, p := range parts[1:] {
			if p == "omitempty" {
				omit = true
			}
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Ptr {
				ft = ft.Elem()
			}
			addFields(n, ft)
			continue
		}
		if name == "" {
			name = f.Name
		}
		n.Fields[name] = field{S: describe(f.Type), Omit: omit, Ptr: f.Type.Kind() == reflect.Ptr}
	}
}

func main() {
	k := kubeletconfig.KubeletConfiguration{}
	k.APIVersion = "kubelet.config.k8s.io/v1beta1"
	k.Kind = "KubeletConfiguration"
	p := kubeproxyconfig.KubeProxyConfiguration{}
	p.APIVersion = "kubeproxy.config.k8s.io/v1alpha1"
	p.Kind = "KubeProxyConfiguration"
	kz, _ := yaml.Marshal(&k)
	pz, _ := yaml.Marshal(&p)
	kj, _ := yaml.YAMLToJSON(kz)
	pj, _ := yaml.YAMLToJSON(pz)
	out := map[string]any{
		"kubelet":        map[string]any{"schema": describe(reflect.TypeOf(k)), "zero": json.RawMessage(kj)},
		"kubeproxy":      map[string]any{"schema": describe(reflect.TypeOf(p)), "zero": json.RawMessage(pj)},
	}
	b, err := json.Marshal(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(b)
}
