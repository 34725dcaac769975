"""A non-editable install (a built wheel), used from another directory, carries the grammar and data."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, SPECS


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base / "dist"),
                            str(ROOT)], capture_output=True, text=True)
    if build.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{build.stderr}")
    wheel = next((base / "dist").glob("fairspec-*.whl"))
    target = base / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                              str(wheel)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    return target


def test_wheel_parses_the_specs_and_loads_bundled_data_from_elsewhere(installed_wheel, tmp_path):
    script = (
        "import fairspec, sys\n"
        f"assert fairspec.__file__.startswith({str(installed_wheel)!r}), fairspec.__file__\n"
        "from fairspec.language import load_policy\n"
        "from fairspec.datasets import adult, german\n"
        "for path in sys.argv[1:]:\n"
        "    print(load_policy(path).name)\n"
        "print(len(adult()), len(adult('test')), len(german()))\n"
    )
    env = {"PYTHONPATH": str(installed_wheel), "PATH": ""}
    run = subprocess.run([sys.executable, "-c", script, *map(str, SPECS)], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.split()
    assert len(lines) == len(SPECS) + 3
    assert lines[-3:] == ["32561", "16281", "1000"]
