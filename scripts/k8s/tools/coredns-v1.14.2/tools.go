//go:build tools

// Package tools pins github.com/coredns/coredns v1.14.2 for the kubestrap test bed.
package tools

import _ "github.com/coredns/coredns"
