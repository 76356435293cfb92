##@ Beyond docker run: Kubernetes

# Kubernetes (mk/k8s.mk): k8s/ and the course's lessons (k8s/lessons/) checked offline;
# `kubectl apply -k k8s/` runs the end state (k8s/README.md).
.PHONY: k8s-validate
k8s-validate: venv ## Render k8s/ and k8s/lessons/, validate against 1.37
	$(VENV)/bin/kubectl kustomize k8s | $(VENV)/bin/kubernetes-validate --strict --quiet -
	$(VENV)/bin/kubectl kustomize k8s/arm64 | $(VENV)/bin/kubernetes-validate --strict --quiet -
	$(VENV)/bin/kubernetes-validate --strict --quiet $$(find k8s/lessons -name '*.yaml')
	$(PY) -m pytest tests/k8s $(PYTEST_ARGS)
