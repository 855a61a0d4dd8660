"""Shared data for the nngrad pytest suite.

The fixtures are the repository's copies of the shared ONNX fixtures and genFunction files
(tests/data/onnx, tests/data/matlab, beside the Rust tests), so the suite needs nothing outside
the checkout. A missing or emptied data folder fails the tests that need it; nothing is skipped.
"""

import json
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
ONNX_DIR = REPO / "tests" / "data" / "onnx"
MATLAB_DIR = REPO / "tests" / "data" / "matlab"

# The fixtures with independent float64 reference Jacobians (JAX jacfwd of a re-implementation).
ONNX_FIXTURES = [
    "diabetes_mlp_tanh_regressor",
    "digits_keras_cnn_conv2d",
    "digits_keras_lstm_sequence",
    "digits_mlp_sigmoid_softmax_classifier",
    "wine_mlp_relu_softmax_classifier",
]
MATLAB_FIXTURES = {
    "shallow_tansig_struct": "myNeuralNetworkFunction.m",
    "deep_logsig_flat_mapstd": "netFcn.m",
}


def load_json(path: Path) -> dict:
    """reference.json files hold bare NaN/Infinity in their checks section, which json reads."""
    if not path.is_file():
        pytest.fail(f"test data missing: {path}")
    return json.loads(path.read_text())


def onnx_fixture(name: str):
    """(model path, reference dict) of one ONNX fixture; fails when it is missing."""
    d = ONNX_DIR / name
    model = d / "model.onnx"
    if not model.is_file():
        pytest.fail(f"ONNX fixture missing: {model}")
    return model, load_json(d / "reference.json")


def matlab_fixture(name: str):
    d = MATLAB_DIR / name
    path = d / MATLAB_FIXTURES[name]
    if not path.is_file():
        pytest.fail(f"genFunction fixture missing: {path}")
    return path, load_json(d / "reference.json")


def rel_err(got, want) -> float:
    """max |got - want| / max |want| (the Rust fixture tests' measure)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    scale = max(float(np.max(np.abs(want))), 1e-300)
    return float(np.max(np.abs(got - want))) / scale


@pytest.fixture(scope="session")
def wine_path() -> Path:
    return onnx_fixture("wine_mlp_relu_softmax_classifier")[0]


@pytest.fixture(scope="session")
def diabetes_path() -> Path:
    return onnx_fixture("diabetes_mlp_tanh_regressor")[0]


@pytest.fixture(scope="session")
def shallow_path() -> Path:
    return matlab_fixture("shallow_tansig_struct")[0]


def points(ref: dict) -> np.ndarray:
    return np.asarray(ref["points"], dtype=np.float64)


