//go:build tools

// Package tools pins go.etcd.io/etcd/etcdctl/v3 v3.7.1 for the kubestrap test bed.
package tools

import _ "go.etcd.io/etcd/etcdctl/v3"
