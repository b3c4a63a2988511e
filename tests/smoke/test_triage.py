"""Priorities, advisory checks, owners and next actions: ``gates smoke`` then ``gates decide``
against the example service on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from conftest import Project

from .service import LOGIN, Service, write_plan

GATES = '[tool.gates]\nrequired = ["smoke"]\n'

TENANTS = """
[[steps]]
name = "tenants"
method = "GET"
path = "/api/v1/platform/tenants"
auth = {{ bearer = "{{token}}" }}
expect = {{ status = 200 }}
{triage}
"""


@pytest.fixture
def project(make_project: Callable[..., Project], credentials: None) -> Project:
    return make_project(gates=GATES)


def test_advisory_p3_failure_warns_and_does_not_block_the_release(
    project: Project, service: Service
) -> None:
    triage = 'priority = "P3"\nblocking = false\nowner = "platform"\nnext = "open tenants"'
    plan = write_plan(project, LOGIN + TENANTS.format(triage=triage))

    code, out, err = project.gates("smoke", plan, "--base-url", service.url)

    assert (code, err) == (0, "")
    assert "Smoke WARN: 1/2 checks passed, 1 failed (1 advisory)" in out
    assert "  tenants [P3, advisory]: status 403, expected 200\n" in out
    assert "    owner: platform; next: open tenants\n" in out
    code, out, _ = project.gates("decide")
    assert code == 0, out
    assert "NO_GO" not in out


def test_p1_failure_is_no_go_naming_owner_files_and_next_action(
    project: Project, service: Service
) -> None:
    triage = (
        'priority = "P1"\nowner = "identity team"\nfiles = ["app/auth.py", "app/roles.py"]\n'
        'next = "grant platform-admin to the smoke user"'
    )
    plan = write_plan(project, LOGIN + TENANTS.format(triage=triage))

    code, out, _ = project.gates("smoke", plan, "--base-url", service.url)

    assert code == 1
    assert "  tenants [P1]: status 403, expected 200\n" in out
    assert (
        "    owner: identity team; files: app/auth.py, app/roles.py; "
        "next: grant platform-admin to the smoke user\n"
    ) in out
    markdown = (project.root / ".gates/evidence/smoke/report.md").read_text()
    assert "- **tenants** [P1] (GET `/api/v1/platform/tenants`)" in markdown
    assert "owner: identity team" in markdown
    code, out, _ = project.gates("decide")
    assert code == 1
    assert "NO_GO" in out
    assert "  - smoke: FAIL (1/2 checks passed, 1 failed" in out
    result = json.loads((project.root / ".gates/results/smoke.json").read_text())
    assert result["findings"][0]["message"] == (
        "tenants [P1]: status 403, expected 200 (owner: identity team; files: app/auth.py, "
        "app/roles.py; next: grant platform-admin to the smoke user)"
    )


def test_plan_level_defaults_apply_to_every_step_and_steps_override_them(
    project: Project, service: Service
) -> None:
    plan = write_plan(
        project,
        'priority = "P2"\nblocking = false\nowner = "web"\n'
        + LOGIN
        + TENANTS.format(triage='next = "check roles"'),
    )

    code, out, _ = project.gates("smoke", plan, "--base-url", service.url)

    assert code == 0
    assert "  tenants [P2, advisory]: status 403, expected 200\n" in out
    assert "    owner: web; next: check roles\n" in out
