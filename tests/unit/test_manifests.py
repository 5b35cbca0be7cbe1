"""One registration per workload: what the manifests declare is what the worker runs."""

from __future__ import annotations

import importlib

import pytest

from app.platform.kinds import QUEUES, REGISTRY, load_all
from app.taskqueue import TASK_MODULES
from app.workloads import MANIFESTS, WORKLOADS, load


@pytest.fixture(scope="module")
def tasks():
    from workers.base import TrackedTask
    from workers.celery_app import celery

    for module in TASK_MODULES:  # what the worker's `include` imports
        importlib.import_module(module)
    load_all()
    return {
        name: isinstance(task, TrackedTask)
        for name, task in celery.tasks.items()
        if not name.startswith("celery.")
    }


def _manifest_of(task_name: str):
    return next(m for m in MANIFESTS if task_name.startswith(m.name + "."))


def test_every_public_kind_has_its_tracked_celery_task(tasks):
    public = [name for name, kind in REGISTRY.items() if kind.public]
    assert public
    for name in public:
        assert tasks.get(name) is True, f"{name}: no TrackedTask registered under that name"


def test_every_kind_has_a_task_and_every_tracked_task_is_a_kind(tasks):
    assert set(REGISTRY) <= set(tasks), set(REGISTRY) - set(tasks)
    tracked = {name for name, is_tracked in tasks.items() if is_tracked}
    # A TrackedTask runs a task row: the API can only have made that row from a kind.
    assert tracked <= set(REGISTRY), tracked - set(REGISTRY)


def test_each_task_and_kind_belongs_to_the_manifest_its_name_says(tasks):
    for name in tasks:
        assert any(name.startswith(m.name + ".") for m in MANIFESTS), name
    for name, kind in REGISTRY.items():
        manifest = _manifest_of(name)
        assert kind.queue in manifest.queues, f"{name} runs on {kind.queue}, not in its manifest"


def test_beat_entries_name_registered_tasks_on_known_queues(tasks):
    for manifest in MANIFESTS:
        for entry in (manifest.beat() if manifest.beat else {}).values():
            assert entry["task"] in tasks, entry["task"]
            assert _manifest_of(entry["task"]) is manifest
            assert entry["options"]["queue"] in QUEUES


def test_blueprints_models_and_client_commands_resolve():
    for manifest in MANIFESTS:
        for blueprint in manifest.blueprints:
            assert load(blueprint).name
        if manifest.models:
            importlib.import_module(manifest.models)
    for workload in WORKLOADS:
        assert load(workload.client).name == workload.name
