"""Small ONNX graphs built with the `onnx` helper package, for the tests and the benchmark.

`mlp` is the anchor MLP shape (tanh hidden layers, linear output, float32 weights, batch
dimension symbolic); `gather_by_value` is a model whose evaluation fails for some inputs, to
reach the per-point error path.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# The anchor sizes (inputs, hidden, hidden, outputs) of the project's benchmarks.
ANCHOR_MLPS = {
    "MLP-S": (8, 32, 32, 4),
    "MLP-M": (32, 128, 128, 16),
    "MLP-L": (128, 512, 512, 64),
}


def mlp(sizes, seed=0):
    """ONNX bytes of x -> tanh(x W1 + b1) -> ... -> x Wk + bk (linear output), with the
    anchors' initialisation: Glorot-uniform weights U(-a, a), a = sqrt(6 / (fan_in + fan_out)),
    biases U(-0.1, 0.1).

    Returns (bytes, weights) with weights a list of float32 (W, b) pairs, W of shape
    (inputs, outputs), so other frameworks can rebuild the same network.
    """
    rng = np.random.default_rng(seed)
    weights, nodes, inits = [], [], []
    prev = "x"
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        lim = np.sqrt(6.0 / (a + b))
        w = rng.uniform(-lim, lim, size=(a, b)).astype(np.float32)
        bias = rng.uniform(-0.1, 0.1, size=b).astype(np.float32)
        weights.append((w, bias))
        inits += [numpy_helper.from_array(w, f"W{i}"), numpy_helper.from_array(bias, f"b{i}")]
        last = i == len(sizes) - 2
        z = "y" if last else f"z{i}"
        nodes.append(helper.make_node("Gemm", [prev, f"W{i}", f"b{i}"], [z]))
        if not last:
            nodes.append(helper.make_node("Tanh", [z], [f"h{i}"]))
            prev = f"h{i}"
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", sizes[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", sizes[-1]])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString(), weights


def gather_by_value():
    """y = C[int(x)] + x for x of shape (1, 2) and C of 3 values: x values outside [0, 3)
    make Gather's index out of range, an evaluation error for that point only."""
    c = numpy_helper.from_array(np.array([10.0, 20.0, 30.0], dtype=np.float32), "C")
    nodes = [
        helper.make_node("Cast", ["x"], ["i"], to=TensorProto.INT64),
        helper.make_node("Gather", ["C", "i"], ["g"], axis=0),
        helper.make_node("Add", ["g", "x"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "gather_by_value",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        [c],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def mlp_numpy(weights, X):
    """The same network in float64 numpy: outputs and Jacobians (closed form), as reference."""
    h = np.asarray(X, dtype=np.float64)
    J = np.broadcast_to(np.eye(h.shape[1]), (h.shape[0], h.shape[1], h.shape[1])).copy()
    for i, (w, b) in enumerate(weights):
        w64, b64 = w.astype(np.float64), b.astype(np.float64)
        z = h @ w64 + b64
        J = np.einsum("ji,kjl->kil", w64, J)  # dz/dx = W^T dh/dx
        if i < len(weights) - 1:
            h = np.tanh(z)
            J = (1 - h * h)[:, :, None] * J
        else:
            h = z
    return h, J
