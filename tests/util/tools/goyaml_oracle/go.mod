module goyaml_oracle

go 1.26.0

require sigs.k8s.io/yaml v1.6.0

// The version kubeadm v1.37.2 builds with (k8s.io/kubernetes go.mod).
require go.yaml.in/yaml/v2 v2.4.4 // indirect
