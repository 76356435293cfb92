##@ Development: a Kubernetes cluster for the tests

# The project's own test cluster (mk/cluster.mk): one node, built here from Go modules and
# Debian's containerd (tools/cluster/README.md). Test infrastructure, run as root: learners
# use minikube or kind, as the course does (k8s/README.md).
CLUSTER        := tools/cluster/cluster
# The images of k8s/lessons/ beside the app's: 02-02's alpine, 02-02's and 02-04's nginx.
CLUSTER_LESSON_IMAGES := alpine:3.22 nginxinc/nginx-unprivileged:1.28
CLUSTER_IMAGES  = $(BACK_IMAGE) $(FRONT_IMAGE) $(DB_IMAGE) $(CLUSTER_LESSON_IMAGES)

.PHONY: cluster-up cluster-down
cluster-up: build build-front pull-db ## Start the test cluster, with the app's images
	@$(if $(PULL_OR_BUILD),$(PULL_OR_BUILD) $(CLUSTER_LESSON_IMAGES))
	@IMAGES='$(CLUSTER_IMAGES)' $(CLUSTER) up

cluster-down: ## Stop the test cluster and undo its host changes
	@$(CLUSTER) down
