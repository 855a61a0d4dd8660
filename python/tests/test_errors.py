"""Every error path raises nngrad.Error (a ValueError) with the Rust message; hostile input
never crashes the interpreter."""

import numpy as np
import pytest

import nngrad
import onnx_models
from conftest import MATLAB_DIR, onnx_fixture


def test_error_is_a_value_error():
    assert issubclass(nngrad.Error, ValueError)


@pytest.fixture(scope="module")
def wine():
    return nngrad.Model(onnx_fixture("wine_mlp_relu_softmax_classifier")[0])


# ---- loading ONNX ----------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(nngrad.Error, match=r"cannot read .*nope\.onnx"):
        nngrad.Model(tmp_path / "nope.onnx")


def test_directory_as_path(tmp_path):
    with pytest.raises(nngrad.Error, match="cannot read"):
        nngrad.Model(tmp_path)


def test_bytes_that_are_not_onnx():
    with pytest.raises(nngrad.Error, match="not a valid ONNX model"):
        nngrad.Model(b"definitely not onnx")


def test_file_that_is_not_onnx_names_the_file(tmp_path):
    p = tmp_path / "text.onnx"
    p.write_text("hello")
    with pytest.raises(nngrad.Error, match=r"text\.onnx: not a valid ONNX model"):
        nngrad.Model(p)


def test_unknown_output_lists_the_outputs(wine_path):
    with pytest.raises(nngrad.Error, match="'nope' is not a graph output.*label, probabilities"):
        nngrad.Model(wine_path, output="nope")


def test_unsupported_operator(wine_path):
    # the classifier's label goes through ai.onnx.ml::ArrayFeatureExtractor
    with pytest.raises(nngrad.Error, match="unsupported operator"):
        nngrad.Model(wine_path, output="label")


@pytest.mark.parametrize("source", [123, 1.5, None, ["model.onnx"], object()])
def test_source_of_the_wrong_type(source):
    with pytest.raises(nngrad.Error, match="source must be a path"):
        nngrad.Model(source)


def test_output_of_the_wrong_type(wine_path):
    with pytest.raises(nngrad.Error, match=r"output must be None or a graph output's name \(str\), got int"):
        nngrad.Model(wine_path, output=3)


def test_from_source_of_the_wrong_type(shallow_path):
    with pytest.raises(nngrad.Error, match="text must be the text of a genFunction file .*got bytes"):
        nngrad.ShallowNet.from_source(shallow_path.read_bytes())


def test_hostile_bytes_never_crash(wine_path):
    """Truncations and byte flips of a real model: each loads or raises nngrad.Error."""
    good = wine_path.read_bytes()
    rng = np.random.default_rng(0)
    variants = [good[:k] for k in range(0, len(good), 7)]
    for _ in range(300):
        b = bytearray(good)
        for i in rng.integers(0, len(b), size=rng.integers(1, 6)):
            b[i] = int(rng.integers(0, 256))
        variants.append(bytes(b))
    variants += [bytes(rng.integers(0, 256, size=n, dtype=np.uint8)) for n in (1, 10, 1000)]
    loaded = 0
    for b in variants:
        try:
            model = nngrad.Model(b)
        except nngrad.Error as e:
            assert str(e)
            continue
        loaded += 1
        try:
            model.jacobian(np.zeros((2, model.input_len)))
        except nngrad.Error:
            pass
    assert loaded < len(variants)


# ---- loading genFunction files ---------------------------------------------------------------


def test_shallownet_missing_file(tmp_path):
    with pytest.raises(nngrad.Error, match="cannot read"):
        nngrad.ShallowNet(tmp_path / "none.m")


def test_shallownet_not_a_genfunction(wine_path):
    with pytest.raises(nngrad.Error, match="genFunction"):
        nngrad.ShallowNet(wine_path)


def test_shallownet_narx_is_rejected_by_name():
    path = MATLAB_DIR / "variants" / "narx_unsupported.m"
    assert path.is_file(), path
    with pytest.raises(nngrad.Error, match=r"narx_unsupported\.m: .*"):
        nngrad.ShallowNet(path)


def test_shallownet_source_errors_carry_the_line():
    src = "function y1 = f(x1)\nIW1_1 = [1 2];\ny1 = foo_apply(IW1_1*x1);\nend"
    with pytest.raises(nngrad.Error, match="line 3.*foo_apply"):
        nngrad.ShallowNet.from_source(src)


def test_shallownet_takes_a_path_not_bytes(shallow_path):
    with pytest.raises(nngrad.Error, match=r"source must be a path \(str or os.PathLike\), got bytes"):
        nngrad.ShallowNet(shallow_path.read_bytes())


# ---- arguments of forward / jacobian / jvp / sensitivity --------------------------------------


@pytest.mark.parametrize("method", ["forward", "jacobian", "sensitivity"])
@pytest.mark.parametrize(
    "X, shape",
    [
        (np.zeros(12), r"\(12,\)"),
        (np.zeros((2, 14)), r"\(2, 14\)"),
        (np.zeros((2, 13, 1)), r"\(2, 13, 1\)"),
        (np.float64(1.0), r"\(\)"),
        ([], r"\(0,\)"),
    ],
)
def test_wrong_shape_says_what_was_expected(wine, method, X, shape):
    with pytest.raises(nngrad.Error, match=r"X must have shape \(13,\) .* \(batch, 13\).*got shape " + shape):
        getattr(wine, method)(X)


@pytest.mark.parametrize(
    "X, what",
    [
        (np.zeros(13, dtype=complex), "complex128"),
        (np.array(["a"] * 13), "<U1"),
        (np.zeros(13, dtype=bool), "bool"),
        ([None] * 13, "object"),
        ("abc", "<U3"),
    ],
)
def test_non_real_input_is_rejected(wine, X, what):
    with pytest.raises(nngrad.Error, match="X must hold real numbers.*got dtype " + what):
        wine.forward(X)


def test_ragged_list_is_rejected(wine):
    with pytest.raises(nngrad.Error, match="X must be an array of numbers"):
        wine.forward([[1.0] * 13, [1.0] * 12])


def test_jvp_tangent_shape_and_type(wine):
    X = np.zeros((2, 13))
    with pytest.raises(nngrad.Error, match=r"V must have the shape of X, \(2, 13\), got \(13,\)"):
        wine.jvp(X, np.zeros(13))
    with pytest.raises(nngrad.Error, match="V must have shape"):
        wine.jvp(X, np.zeros((2, 12)))
    with pytest.raises(nngrad.Error, match="V must hold real numbers"):
        wine.jvp(X, np.zeros((2, 13), dtype=complex))


@pytest.mark.parametrize("threads", [0, -1, 1.5, "2", True, 10**6])
def test_bad_thread_counts(wine, threads):
    with pytest.raises(nngrad.Error, match="threads must be None or an integer from 1"):
        wine.jacobian(np.zeros(13), threads=threads)


@pytest.mark.parametrize("reduce", ["median", "MEAN", "", 3, None.__class__])
def test_unknown_reduction(wine, reduce):
    with pytest.raises(nngrad.Error, match="reduce must be one of 'mean_abs', 'mean', 'rms', 'max_abs'"):
        wine.sensitivity(np.zeros((2, 13)), reduce)


@pytest.mark.parametrize("block", [0, -3, 2.0, "4"])
def test_bad_block(wine, block):
    with pytest.raises(nngrad.Error, match="block must be None or an integer from 1"):
        wine.sensitivity(np.zeros((2, 13)), block=block)


def test_sensitivity_of_no_points(wine):
    with pytest.raises(nngrad.Error, match="at least one point"):
        wine.sensitivity(np.zeros((0, 13)))


def test_shallownet_wrong_width(shallow_path):
    net = nngrad.ShallowNet(shallow_path)
    with pytest.raises(nngrad.Error, match=r"X must have shape \(5,\)"):
        net.jacobian(np.zeros(4))


# ---- points the model cannot evaluate --------------------------------------------------------


@pytest.fixture(scope="module")
def gather():
    return nngrad.Model(onnx_models.gather_by_value())


def test_evaluation_error_names_the_first_failing_point(gather):
    X = np.array([[0.0, 1.0], [1.0, 2.0], [7.0, 0.0], [9.0, 9.0]])
    for call in (gather.forward, gather.jacobian, lambda X: gather.jvp(X, X)):
        with pytest.raises(nngrad.Error, match=r"point 2: .*Gather.*index 7 is out of range"):
            call(X)
    np.testing.assert_array_equal(gather.forward(X[:2]), [[10.0, 21.0], [21.0, 32.0]])


def test_evaluation_error_in_a_later_sensitivity_block_counts_from_the_start(gather):
    X = np.zeros((10, 2))
    X[7] = [5.0, 0.0]
    for block in (1, 3, 4, None):
        with pytest.raises(nngrad.Error, match=r"point 7: .*index 5 is out of range"):
            gather.sensitivity(X, block=block)


def test_one_point_evaluation_error(gather):
    with pytest.raises(nngrad.Error, match="index 4 is out of range"):
        gather.jacobian([4.0, 0.0])
