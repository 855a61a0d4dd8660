"""Shapes and dtypes: one point (n,) or a batch (batch, n); lists, integer and float32/16
inputs, non-contiguous and Fortran-ordered arrays, all converted to float64 once; float64 out."""

import numpy as np
import pytest

import nngrad
from conftest import onnx_fixture, points


@pytest.fixture(scope="module")
def wine():
    path, ref = onnx_fixture("wine_mlp_relu_softmax_classifier")
    return nngrad.Model(path), points(ref)


def assert_owned_float64(a, shape):
    assert isinstance(a, np.ndarray)
    assert a.dtype == np.float64
    assert a.shape == shape
    assert a.flags.c_contiguous and a.flags.writeable


def test_one_point_drops_the_batch_axis(wine):
    model, X = wine
    m, n = model.output_len, model.input_len
    assert (m, n) == (3, 13)
    assert_owned_float64(model.forward(X[0]), (m,))
    y, j = model.jacobian(X[0])
    assert_owned_float64(y, (m,))
    assert_owned_float64(j, (m, n))
    y, jv = model.jvp(X[0], X[1])
    assert_owned_float64(y, (m,))
    assert_owned_float64(jv, (m,))


def test_batch_keeps_the_batch_axis(wine):
    model, X = wine
    m, n = model.output_len, model.input_len
    assert_owned_float64(model.forward(X), (10, m))
    y, j = model.jacobian(X)
    assert_owned_float64(y, (10, m))
    assert_owned_float64(j, (10, m, n))
    y, jv = model.jvp(X, X)
    assert_owned_float64(y, (10, m))
    assert_owned_float64(jv, (10, m))
    # a batch of one is still a batch
    assert model.jacobian(X[:1])[1].shape == (1, m, n)


def test_empty_batch(wine):
    model, X = wine
    y, j = model.jacobian(X[:0])
    assert y.shape == (0, 3) and j.shape == (0, 3, 13)
    assert model.forward(np.empty((0, 13))).shape == (0, 3)


@pytest.mark.parametrize(
    "convert",
    [
        pytest.param(lambda X: X.tolist(), id="list"),
        pytest.param(lambda X: [tuple(r) for r in X], id="list-of-tuples"),
        pytest.param(lambda X: np.asfortranarray(X), id="fortran-order"),
        pytest.param(lambda X: np.repeat(X, 2, axis=1)[:, ::2], id="strided-columns"),
        pytest.param(lambda X: np.repeat(X, 2, axis=0)[::2], id="strided-rows"),
        pytest.param(lambda X: X.T.copy().T, id="transposed-view"),
        pytest.param(lambda X: X.astype(np.float32), id="float32"),
        pytest.param(lambda X: np.frombuffer(b"\0" + X.tobytes(), offset=1).reshape(X.shape),
                     id="misaligned-read-only"),
        pytest.param(lambda X: X.astype(np.longdouble), id="longdouble"),
    ],
)
def test_inputs_are_converted_to_the_same_float64_values(wine, convert):
    model, X = wine
    # the fixtures' points are exactly representable in float32, so every conversion is exact
    want_y, want_j = model.jacobian(X)
    y, j = model.jacobian(convert(X))
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_array_equal(j, want_j)
    np.testing.assert_array_equal(model.forward(convert(X)), want_y)
    np.testing.assert_array_equal(model.jvp(convert(X), convert(X))[1], model.jvp(X, X)[1])


def test_one_point_as_list_and_as_a_row_of_a_view(wine):
    model, X = wine
    np.testing.assert_array_equal(model.forward(list(X[4])), model.forward(X[4]))
    wide = np.repeat(X, 3, axis=1)
    np.testing.assert_array_equal(model.forward(wide[4, ::3]), model.forward(X[4]))


def test_integer_and_float16_inputs():
    path, _ = onnx_fixture("diabetes_mlp_tanh_regressor")
    model = nngrad.Model(path)
    Xi = np.arange(20, dtype=np.int32).reshape(2, 10) - 10
    np.testing.assert_array_equal(model.forward(Xi), model.forward(Xi.astype(np.float64)))
    Xh = (np.arange(10, dtype=np.float16) / 8).reshape(1, 10)
    np.testing.assert_array_equal(model.jacobian(Xh)[1], model.jacobian(Xh.astype(float))[1])


def test_inputs_are_not_modified(wine):
    model, X = wine
    X32 = X.astype(np.float32)
    before = (X.copy(), X32.copy())
    model.jacobian(X)
    model.jvp(X32, X32)
    model.sensitivity(X)
    np.testing.assert_array_equal(X, before[0])
    np.testing.assert_array_equal(X32, before[1])


def test_results_do_not_alias_between_calls(wine):
    model, X = wine
    a = model.forward(X)
    b = model.forward(X)
    a[:] = 0
    assert np.all(b != 0)


def test_properties():
    path, ref = onnx_fixture("digits_keras_cnn_conv2d")
    model = nngrad.Model(path)
    assert model.input_shape == (1, 8, 8, 1)
    assert model.input_len == 64 and model.output_len == 10
    assert model.output_shape == (1, 10)
    assert model.output_names == ["dense_3"] and model.output == "dense_3"
    assert model.input_names == ["input"]
    assert "dense_3" in repr(model) and "64 values" in repr(model)
    wine = nngrad.Model(onnx_fixture("wine_mlp_relu_softmax_classifier")[0])
    assert wine.output_names == ["label", "probabilities"]
    assert wine.output == "probabilities"


def test_shallownet_properties(shallow_path):
    net = nngrad.ShallowNet(shallow_path)
    assert net.name == "myNeuralNetworkFunction"
    assert net.input_names == ["x1"] and net.output_names == ["y1"]
    assert (net.input_len, net.output_len) == (5, 1)
    assert "myNeuralNetworkFunction" in repr(net)


def test_paths_as_pathlike_str_and_bytes(wine_path):
    X = np.ones((2, 13))
    a = nngrad.Model(wine_path).forward(X)
    np.testing.assert_array_equal(nngrad.Model(str(wine_path)).forward(X), a)
    np.testing.assert_array_equal(nngrad.Model(wine_path.read_bytes()).forward(X), a)
    np.testing.assert_array_equal(nngrad.Model(bytearray(wine_path.read_bytes())).forward(X), a)
    np.testing.assert_array_equal(nngrad.Model(memoryview(wine_path.read_bytes())).forward(X), a)
