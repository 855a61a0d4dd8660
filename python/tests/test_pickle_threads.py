"""Pickling (models re-create themselves from their bytes / source text), threads (two Python
threads at once, the GIL released, `threads=` bit-identical), and worker processes."""

import copy
import multiprocessing
import pickle
import threading
import time

import numpy as np
import pytest

import nngrad
import onnx_models
from conftest import MATLAB_FIXTURES, matlab_fixture, onnx_fixture, points


def same_results(a, b, X):
    ya, ja = a.jacobian(X)
    yb, jb = b.jacobian(X)
    np.testing.assert_array_equal(ya, yb)
    np.testing.assert_array_equal(ja, jb)


@pytest.mark.parametrize("how", ["path", "bytes"])
def test_model_pickles(how):
    path, ref = onnx_fixture("digits_keras_lstm_sequence")
    model = nngrad.Model(path if how == "path" else path.read_bytes())
    for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(model, protocol=proto))
        assert type(back) is nngrad.Model
        assert (back.input_len, back.output_len, back.output) == (64, 10, "dense_4")
        same_results(model, back, points(ref))
    same_results(model, copy.deepcopy(model), points(ref))
    same_results(model, copy.copy(model), points(ref))


def test_model_pickles_with_its_selected_output():
    b, _ = onnx_models.mlp((3, 4, 2))
    model = nngrad.Model(b, output="y")
    back = pickle.loads(pickle.dumps(model))
    assert back.output == "y"
    assert pickle.loads(pickle.dumps(nngrad.Model(onnx_fixture("wine_mlp_relu_softmax_classifier")[0],
                                                  output="probabilities"))).output == "probabilities"


def test_model_pickle_does_not_need_the_file(tmp_path):
    src, ref = onnx_fixture("diabetes_mlp_tanh_regressor")
    p = tmp_path / "m.onnx"
    p.write_bytes(src.read_bytes())
    data = pickle.dumps(nngrad.Model(p))
    p.unlink()
    same_results(pickle.loads(data), nngrad.Model(src), points(ref))


@pytest.mark.parametrize("name", sorted(MATLAB_FIXTURES))
def test_shallownet_pickles(name, tmp_path):
    path, ref = matlab_fixture(name)
    net = nngrad.ShallowNet(path)
    back = pickle.loads(pickle.dumps(net))
    assert type(back) is nngrad.ShallowNet and back.name == net.name
    same_results(net, back, points(ref))


def _digits():
    path, ref = onnx_fixture("digits_mlp_sigmoid_softmax_classifier")
    model = nngrad.Model(path)
    X = np.tile(points(ref), (200, 1)) + np.repeat(np.linspace(0, 1, 200), 10)[:, None]
    return model, X


def test_two_python_threads_at_once_get_correct_results():
    model, X = _digits()
    want = [model.jacobian(X[k::2]) for k in range(2)]
    got = [None, None]
    barrier = threading.Barrier(2)

    def work(k):
        barrier.wait()
        for _ in range(3):
            got[k] = model.jacobian(X[k::2])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(2):
        np.testing.assert_array_equal(got[k][0], want[k][0])
        np.testing.assert_array_equal(got[k][1], want[k][1])


def test_the_gil_is_released_during_a_call():
    # A call long enough to tell: the batch doubles until one call takes 0.4 s. The digits
    # CNN, not the MLP: the MLP's dense chain ran 32k Jacobians in under 0.4 s, and 64k of
    # them are over the default evaluation budget.
    path, ref = onnx_fixture("digits_keras_cnn_conv2d")
    model = nngrad.Model(path)
    X = points(ref)
    while len(X) < 32768:
        t0 = time.perf_counter()
        model.jacobian(X, threads=1)
        if time.perf_counter() - t0 > 0.4:
            break
        X = np.concatenate([X, X])
    done = threading.Event()
    started = threading.Event()

    def work():
        started.set()
        model.jacobian(X, threads=1)
        done.set()

    t = threading.Thread(target=work)
    t0 = time.perf_counter()
    t.start()
    started.wait()
    ticks = 0
    while not done.is_set():
        ticks += 1
        time.sleep(0)
    t.join()
    elapsed = time.perf_counter() - t0
    # with the GIL held for the whole call the loop would barely run
    assert elapsed > 0.2, f"the call was too short to tell ({elapsed:.3f}s)"
    assert ticks > 1000, f"the main thread ran {ticks} times in {elapsed:.3f}s"


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_thread_counts_give_bit_identical_results(threads):
    model, X = _digits()
    y, j = model.jacobian(X)
    yt, jt = model.jacobian(X, threads=threads)
    np.testing.assert_array_equal(y, yt)
    np.testing.assert_array_equal(j, jt)
    np.testing.assert_array_equal(model.forward(X, threads=threads), y)
    np.testing.assert_array_equal(model.jvp(X, X, threads=threads)[1], model.jvp(X, X)[1])
    np.testing.assert_array_equal(model.sensitivity(X, threads=threads), model.sensitivity(X))


def _child_jacobian(model_and_x):
    model, X = model_and_x
    return model.jacobian(X)


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_worker_processes(method):
    """Models travel to worker processes; a forked child (whose parent already ran batches,
    so its pools' threads exist only in the parent) builds pools of its own."""
    model, X = _digits()
    want = model.jacobian(X[:40], threads=2)  # the parent's pools are now running
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(2) as pool:
        got = pool.map(_child_jacobian, [(model, X[:40])] * 2, chunksize=1)
    for y, j in got:
        np.testing.assert_array_equal(y, want[0])
        np.testing.assert_array_equal(j, want[1])
