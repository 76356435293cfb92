"""Rolling updates that drop nothing: every pod that serves behind the Ingress is replaced
one at a time, a new one ready before an old one goes, and an old one serves on until the
endpoints have dropped it, then finishes what it has before it is killed."""

import ast

from manifests import PROJECT, REPO, TARGET_PROJECT, TARGETS, find, only_container, pod_spec

# The pods behind the Ingress; the database is a StatefulSet of one, with its own grace.
SERVED = ("back", "front")
# Long enough for the EndpointSlice change to reach kube-proxy and the Ingress controller.
MIN_PRESTOP_SECONDS = 5
# gunicorn's own default, where back/gunicorn.conf.py does not set graceful_timeout.
GUNICORN_DEFAULT_GRACEFUL_TIMEOUT = 30


def gunicorn_graceful_timeout():
    """graceful_timeout as back/gunicorn.conf.py sets it: how long gunicorn lets its
    workers finish their requests after SIGTERM."""
    tree = ast.parse((REPO / "back/gunicorn.conf.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "graceful_timeout" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    return GUNICORN_DEFAULT_GRACEFUL_TIMEOUT


def deployments(rendered):
    for target in TARGETS:
        for part in SERVED:
            yield (
                target,
                part,
                find(rendered[target], "Deployment", f"{TARGET_PROJECT[target]}-{part}"),
            )


def prestop_sleep(container):
    """The seconds of the native sleep action (no exec: the image needs no `sleep`)."""
    prestop = container.get("lifecycle", {}).get("preStop", {})
    assert set(prestop) == {"sleep"}, f"{container['name']}: preStop is {prestop}"
    return prestop["sleep"]["seconds"]


def test_gunicorn_graceful_timeout_is_read():
    assert 0 < gunicorn_graceful_timeout() <= GUNICORN_DEFAULT_GRACEFUL_TIMEOUT


def test_one_new_pod_ready_before_an_old_one_goes(rendered):
    for target, part, deployment in deployments(rendered):
        strategy = deployment["spec"].get("strategy", {})
        where = f"{target}:{part}"
        assert strategy.get("type") == "RollingUpdate", where
        assert strategy["rollingUpdate"]["maxUnavailable"] == 0, where
        assert strategy["rollingUpdate"]["maxSurge"] >= 1, where
        # Ready, not just started: the rollout waits for the readiness probe.
        assert only_container(deployment)["readinessProbe"]["httpGet"]["path"], where


def test_back_is_ready_only_with_its_database(docs):
    container = only_container(find(docs, "Deployment", f"{PROJECT}-back"))
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_a_stopping_pod_serves_until_the_endpoints_drop_it(rendered):
    for target, part, deployment in deployments(rendered):
        assert prestop_sleep(only_container(deployment)) >= MIN_PRESTOP_SECONDS, f"{target}:{part}"


def test_it_is_killed_only_after_it_has_finished(rendered):
    """back: gunicorn's graceful_timeout after the sleep. front: nginx's graceful quit
    (the image's STOPSIGNAL, SIGQUIT) has no timeout of its own: a few seconds for it."""
    graceful = {"back": gunicorn_graceful_timeout(), "front": 0}
    for target, part, deployment in deployments(rendered):
        sleep = prestop_sleep(only_container(deployment))
        grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
        # The grace period counts from the start of the preStop hook.
        assert grace > sleep + graceful[part], (
            f"{target}:{part}: {grace} s <= {sleep} s + {graceful[part]} s"
        )


def test_a_drain_is_never_blocked_by_pods_that_serve_nothing(rendered):
    """With the database down every API pod is unready; the default eviction policy of a
    PodDisruptionBudget (IfHealthyBudget) would then refuse to evict any of them."""
    for target in TARGETS:
        for part in SERVED:
            budget = find(
                rendered[target], "PodDisruptionBudget", f"{TARGET_PROJECT[target]}-{part}"
            )
            assert budget["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow", f"{target}:{part}"
