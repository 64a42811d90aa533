"""`mali-ssr check` passes on this installation and names a broken data file."""

import os
import subprocess
import sys

import pytest
import yaml

from mali_ssr.install_check import run_checks


def _run(env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "mali_ssr", "check"], capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.mark.slow
def test_check_passes_on_this_installation():
    result = _run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All 5 checks passed" in result.stdout


@pytest.mark.slow
def test_check_names_a_corrupted_data_file(data_copy):
    path = data_copy / "institutions.yaml"
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    records[0]["created"] = "2014-02-31"
    path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    result = _run({"MALI_SSR_DATA_DIR": str(data_copy)})
    assert result.returncode == 1
    assert "FAIL  course data validates: institutions.yaml" in result.stdout
    assert "not a real calendar date" in result.stdout
    assert "checks failed" in result.stdout


def test_a_crashing_check_is_reported_not_raised():
    lines = []

    def boom():
        raise RuntimeError("kaput")

    failed = run_checks(lines.append, [("fine", lambda: None), ("boom", boom)])
    assert failed == 1
    assert lines[0] == "OK    fine"
    assert lines[1] == "FAIL  boom: RuntimeError: kaput"
    assert "1 of 2 checks failed: boom" in lines[2]
