"""examples/dask_sensitivity.py on a small dataset: a LocalCluster of two worker processes
gives the single-process sensitivity, loads the model once per worker, writes the PNG."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nngrad
from conftest import onnx_fixture

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dask_sensitivity.py"


@pytest.mark.parametrize("reduce", ["mean_abs", "rms", "max_abs"])
def test_dask_example_equals_single_process(tmp_path, reduce):
    path, _ = onnx_fixture("digits_keras_cnn_conv2d")
    model = nngrad.Model(path)
    X = np.random.default_rng(5).random((1500, model.input_len))
    np.save(tmp_path / "X.npy", X)
    png, out = tmp_path / "s.png", tmp_path / "s.npy"
    run = subprocess.run(
        [sys.executable, str(EXAMPLE), "--model", str(path), "--data", str(tmp_path / "X.npy"),
         "--chunk", "200", "--workers", "2", "--reduce", reduce, "--png", str(png),
         "--save", str(out)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1500 points in 8 blocks on 2 workers" in run.stdout, run.stdout
    # eight blocks, two workers, one model load each
    assert "model loads per worker: [1, 1]" in run.stdout, run.stdout
    S = np.load(out)
    want = model.sensitivity(X, reduce)
    assert S.shape == want.shape == (10, 64)
    # the blocks' partial sums are combined in another order than one pass: rounding only
    np.testing.assert_allclose(S, want, rtol=1e-12, atol=0)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000
