"""ruff's cache against an edit that keeps the file's modification time (``cp -p``, ``rsync -a``,
an archive unpacked, ``touch -r``): the tree id changes and the gate runs again, but ruff's cache
(keyed by the modification time) answered from before the edit, and the gate passed code it
never checked. (mypy's cache, keyed by the time and the size, is left to mypy.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

from conftest import Project

CLEAN = "def f() -> int:\n    return 1\n"


def test_an_edit_that_keeps_the_modification_time_is_linted(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(
        files={"demo/__init__.py": CLEAN}, gates='[tool.gates]\nrequired = ["lint"]\n'
    )
    project.commit()
    assert project.gates("lint")[0] == 0
    module = project.root / "demo" / "__init__.py"
    before = module.stat()

    module.write_text("import os\n\n\ndef f() -> int:\n    return 1\n")
    os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))
    code, out, err = project.gates("lint", "--json")

    assert "Traceback" not in err
    result = json.loads(out)
    assert (code, result["status"]) == (1, "FAIL")
    assert [finding["rule"] for finding in result["findings"]] == ["F401"]
