# shellcheck shell=bash
# Pinned versions of every tool built by scripts/tools/build.sh. Sourced by build.sh and env.sh.
# A component rebuilds when one of ITS pins changes (see gss_component_spec in components.sh).

# Pulumi CLI + engine (module github.com/pulumi/pulumi/pkg/v3) and the SDK module it is built against.
# Must match "@pulumi/pulumi" in package.json.
PULUMI_VERSION=3.248.0

# Kubernetes resource provider (module github.com/pulumi/pulumi-kubernetes/provider/v4 is untagged).
# The Go module proxy serves exactly one pseudo-version of it: commit f47bc2d6 (2026-01-15), which is
# the v4.25.0 release (provider/go.mod there requires sdk/v4 v4.24.0; crd2pulumi pinned this exact
# pseudo-version as "pulumi-kubernetes v4.25.0"). 4.34.2's commit is not served, so 4.34.2 cannot be
# built offline. The binary is stamped with the version it really is.
K8S_PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
K8S_PROVIDER_SDK_VERSION=v4.25.0
K8S_PROVIDER_VERSION=4.25.0

# Control plane: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl from k8s.io/kubernetes
# (staging modules mapped to their v0.X.Y twins), etcd from go.etcd.io/etcd/server/v3 (the version
# k8s.io/kubernetes itself requires).
KUBERNETES_VERSION=1.34.4
ETCD_VERSION=3.6.4

# kwok (simulated nodes/pods).
KWOK_VERSION=0.8.0

# The real node of the local cluster: kubelet and kube-proxy at KUBERNETES_VERSION (same module recipe as
# the control plane). Images are built without a registry or base image by scripts/tools/image-builder,
# which uses github.com/google/go-containerregistry at this version (its go.mod must require it).
GO_CONTAINERREGISTRY_VERSION=v0.22.1

# Prometheus for the local cluster (module github.com/prometheus/prometheus v0.<major*100+minor>.<patch>:
# v0.316.0 is Prometheus 3.16.0), built with only the Kubernetes service discovery (build tags
# remove_all_sd enable_kubernetes_sd): Debian's prometheus package is built without it.
PROMETHEUS_MODULE_VERSION=v0.316.0
