"""sensitivity(X, reduce) against the full Jacobian reduced in numpy; independent of block
size and threads; one point."""

import numpy as np
import pytest

import nngrad
import onnx_models
from conftest import matlab_fixture, onnx_fixture, points

NUMPY_REDUCE = {
    "mean_abs": lambda J: np.abs(J).mean(axis=0),
    "mean": lambda J: J.mean(axis=0),
    "rms": lambda J: np.sqrt((J * J).mean(axis=0)),
    "max_abs": lambda J: np.abs(J).max(axis=0),
}


def models():
    path, ref = onnx_fixture("digits_keras_cnn_conv2d")
    yield "cnn", nngrad.Model(path), points(ref)
    path, ref = onnx_fixture("wine_mlp_relu_softmax_classifier")
    yield "wine", nngrad.Model(path), points(ref)
    path, ref = matlab_fixture("deep_logsig_flat_mapstd")
    yield "genfunction", nngrad.ShallowNet(path), points(ref)
    b, _ = onnx_models.mlp((8, 32, 32, 4))
    X = np.random.default_rng(3).standard_normal((1000, 8))
    yield "mlp-s", nngrad.Model(b), X


@pytest.mark.parametrize("name, model, X", list(models()), ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("reduce", list(NUMPY_REDUCE))
def test_sensitivity_equals_the_reduced_full_jacobian(name, model, X, reduce):
    _, J = model.jacobian(X)
    want = NUMPY_REDUCE[reduce](J)
    got = model.sensitivity(X, reduce)
    assert got.dtype == np.float64 and got.shape == (model.output_len, model.input_len)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15 * np.abs(want).max())
    # blocks of any size (the last one short) give the same, bit for bit
    for block in (1, 3, 7):
        np.testing.assert_array_equal(model.sensitivity(X, reduce, block=block), got)


def test_default_reduction_is_mean_abs():
    path, ref = onnx_fixture("wine_mlp_relu_softmax_classifier")
    model, X = nngrad.Model(path), points(ref)
    np.testing.assert_array_equal(model.sensitivity(X), model.sensitivity(X, "mean_abs"))
    np.testing.assert_array_equal(model.sensitivity(X, reduce="rms"), model.sensitivity(X, "rms"))


def test_one_point_is_its_own_sensitivity():
    path, ref = onnx_fixture("diabetes_mlp_tanh_regressor")
    model, x = nngrad.Model(path), points(ref)[0]
    _, J = model.jacobian(x)
    np.testing.assert_array_equal(model.sensitivity(x, "mean"), J)
    np.testing.assert_array_equal(model.sensitivity(x, "max_abs"), np.abs(J))


def test_max_abs_shows_a_nan():
    b, _ = onnx_models.mlp((3, 4, 2))
    model = nngrad.Model(b)
    X = np.zeros((5, 3))
    X[2, 1] = np.nan
    S = model.sensitivity(X, "max_abs")
    assert np.isnan(S).any()
