"""Fixtures: the example service (shared, or a faulty one per test) and a project to smoke from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Project

from .service import EMAIL, PASSWORD, Service, start_service


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A healthy example service shared by a test module."""
    running = start_service(tmp_path_factory.mktemp("service"))
    yield running
    running.stop()


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """``faulty(SERVICE_FAULTS="...")``: a service of the test's own, stopped afterwards."""
    started: list[Service] = []

    def make(**env: str) -> Service:
        started.append(start_service(tmp_path / "services", **env))
        return started[-1]

    yield make
    for running in started:
        running.stop()


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMOKE_EMAIL", EMAIL)
    monkeypatch.setenv("SMOKE_PASSWORD", PASSWORD)
    monkeypatch.delenv("SMOKE_BASE_URL", raising=False)


@pytest.fixture
def project(make_project: Callable[..., Project], credentials: None) -> Project:
    return make_project()
