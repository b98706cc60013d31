//go:build tools

// Package tools pins go.etcd.io/etcd/etcdctl/v3 v3.6.8 for the kubestrap test bed.
package tools

import _ "go.etcd.io/etcd/etcdctl/v3"
