##@ Development: a Kubernetes cluster for the tests

# The project's own test cluster (mk/cluster.mk): one node, built here from Go modules and
# Debian's containerd (tools/cluster/README.md). Test infrastructure, run as root: learners
# use minikube or kind, as the course does (k8s/README.md).
CLUSTER        := tools/cluster/cluster
CLUSTER_IMAGES  = $(BACK_IMAGE) $(FRONT_IMAGE) $(DB_IMAGE)

.PHONY: cluster-up cluster-down
cluster-up: build build-front pull-db ## Start the test cluster, with the app's images
	@IMAGES='$(CLUSTER_IMAGES)' $(CLUSTER) up

cluster-down: ## Stop the test cluster and undo its host changes
	@$(CLUSTER) down
