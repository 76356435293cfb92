##@ Beyond docker run: Kubernetes

# Kubernetes (mk/k8s.mk): k8s/ rendered and checked offline; `kubectl apply -k k8s/` runs it.
.PHONY: k8s-validate
k8s-validate: venv ## Render k8s/, validate it against Kubernetes 1.37
	$(VENV)/bin/kubectl kustomize k8s | $(VENV)/bin/kubernetes-validate --strict --quiet -
	$(VENV)/bin/kubectl kustomize k8s/arm64 | $(VENV)/bin/kubernetes-validate --strict --quiet -
	$(PY) -m pytest tests/k8s $(PYTEST_ARGS)
