"""Every fixture network against independent references: ONNX Jacobians and outputs against
the JAX float64 references (1e-9 relative to max|J|, float32 weights widened), outputs against
a live onnxruntime run, genFunction files against their chain-rule references."""

import numpy as np
import onnxruntime as ort
import pytest

import nngrad
from conftest import (
    MATLAB_FIXTURES,
    ONNX_FIXTURES,
    load_json,
    matlab_fixture,
    onnx_fixture,
    points,
    rel_err,
)


# Points where the JAX reference itself is off by more than this from the extended-precision
# one (JAX's tanh' = 1 - t² and softmax' cancel at saturation) are judged against the latter.
REFERENCE_NOISE = 1e-10


@pytest.mark.parametrize("name", ONNX_FIXTURES)
def test_onnx_jacobians_match_reference(name):
    path, ref = onnx_fixture(name)
    model = nngrad.Model(path)
    assert model.output == ref["output"]["name"]
    assert model.input_names == [ref["input"]["name"]]
    X = points(ref)
    assert X.shape == (10, model.input_len)
    Y, J = model.jacobian(X)
    y_ref = np.asarray(ref["outputs_reference_f64"])
    j_ref = np.asarray(ref["jacobians_reference_f64"])
    assert J.shape == j_ref.shape == (10, model.output_len, model.input_len)
    ext_path = path.parent / "reference_extended.json"
    ext = load_json(ext_path) if ext_path.exists() else None
    for k in range(len(X)):
        assert rel_err(Y[k], y_ref[k]) <= 1e-9, f"{name} point {k}: outputs"
        if ext is not None:
            assert rel_err(Y[k], ext["outputs"][k]) <= 1e-9, f"{name} point {k}: outputs"
            assert rel_err(J[k], ext["jacobians"][k]) <= 1e-9, f"{name} point {k}: Jacobian"
            if rel_err(j_ref[k], ext["jacobians"][k]) > REFERENCE_NOISE:
                continue
        assert rel_err(J[k], j_ref[k]) <= 1e-9, f"{name} point {k}: Jacobian"
    # the batch and the one-point calls agree exactly
    y0, j0 = model.jacobian(X[3])
    np.testing.assert_array_equal(y0, Y[3])
    np.testing.assert_array_equal(j0, J[3])
    np.testing.assert_array_equal(model.forward(X), Y)


def test_cnn_maxpool_ties_follow_first_max_convention():
    path, ref = onnx_fixture("digits_keras_cnn_conv2d")
    ties = ref["maxpool_tie_points"]
    _, J = nngrad.Model(path).jacobian(np.asarray(ties["points"]))
    for k, want in enumerate(ties["jacobians_reference_f64_first_max"]):
        assert rel_err(J[k], want) <= 1e-9, f"tie point {k}"


@pytest.mark.parametrize("name", ONNX_FIXTURES)
def test_onnx_outputs_match_onnxruntime(name):
    path, ref = onnx_fixture(name)
    model = nngrad.Model(path)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    X = points(ref)
    shape = [len(X)] + list(ref["layout"]["point_shape"])
    (ort_y,) = sess.run([model.output], {inp.name: X.reshape(shape).astype(np.float32)})
    ort_y = np.asarray(ort_y, dtype=np.float64).reshape(len(X), -1)
    Y = model.forward(X)
    # onnxruntime computes in float32, nngrad in float64 over the same (widened) weights
    for k in range(len(X)):
        assert rel_err(Y[k], ort_y[k]) <= 1e-5, f"{name} point {k}"


@pytest.mark.parametrize("name", ONNX_FIXTURES)
def test_onnx_jvp_is_jacobian_times_tangent(name):
    path, ref = onnx_fixture(name)
    model = nngrad.Model(path)
    X = points(ref)
    V = np.random.default_rng(1).standard_normal(X.shape)
    Y, JV = model.jvp(X, V)
    ext_path = path.parent / "reference_extended.json"
    j_ref = np.asarray(
        load_json(ext_path)["jacobians"] if ext_path.exists() else ref["jacobians_reference_f64"]
    )
    want = np.einsum("kij,kj->ki", j_ref, V)
    for k in range(len(X)):
        # J·v sums products of both signs: measure against the size of its terms
        scale = np.abs(j_ref[k]).max() * np.abs(V[k]).sum()
        assert np.abs(JV[k] - want[k]).max() <= 1e-9 * scale, f"{name} point {k}"
    np.testing.assert_array_equal(Y, model.forward(X))


@pytest.mark.parametrize("name", sorted(MATLAB_FIXTURES))
def test_genfunction_matches_reference(name):
    path, ref = matlab_fixture(name)
    net = nngrad.ShallowNet(path)
    assert (net.input_len, net.output_len) == (ref["n_in"], ref["n_out"])
    X = points(ref)
    Y, J = net.jacobian(X)
    np.testing.assert_allclose(Y, ref["outputs_reference_f64"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(J, ref["jacobians_reference_f64"], rtol=0, atol=1e-12)
    _, JV = net.jvp(X, np.ones_like(X))
    np.testing.assert_allclose(JV, J.sum(axis=2), rtol=1e-12, atol=1e-12)


def test_genfunction_from_source_equals_path():
    path, ref = matlab_fixture("deep_logsig_flat_mapstd")
    a = nngrad.ShallowNet(path)
    b = nngrad.ShallowNet.from_source(path.read_text())
    X = points(ref)
    np.testing.assert_array_equal(a.jacobian(X)[1], b.jacobian(X)[1])
    assert a.name == b.name and a.input_names == b.input_names
