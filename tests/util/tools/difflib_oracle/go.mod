module difflib_oracle

go 1.26.0

// The version kubeadm v1.37.2 builds with (k8s.io/kubernetes go.mod).
require github.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2
