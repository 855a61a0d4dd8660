"""The Python examples in README.md and python/README.md run as written (from the repository
root, where their paths point), and give the shapes their comments state."""

import os
import re

import pytest

from conftest import REPO

BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def blocks(path):
    found = BLOCK.findall(path.read_text())
    assert found, f"no python example in {path}"
    # the Ray recipe needs Ray and data files; everything else runs here
    return [b for b in found if "import ray" not in b]


@pytest.mark.parametrize("readme", ["README.md", "python/README.md"])
def test_readme_examples_run(readme, monkeypatch):
    monkeypatch.chdir(REPO)
    for code in blocks(REPO / readme):
        env = {}
        exec(compile(code, readme, "exec"), env)
        assert env["P"].shape == (1000, 3) and env["J"].shape == (1000, 3, 13)
        assert env["S"].shape == (3, 13)
    assert os.getcwd() == str(REPO)
