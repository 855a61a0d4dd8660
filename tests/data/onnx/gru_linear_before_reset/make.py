"""A GRU with linear_before_reset=1 (what Keras/cuDNN and PyTorch export), bidirectional,
float64, with reference outputs from the ONNX project's reference evaluator and Jacobians by
Richardson central differences of that evaluator. Independent of nngrad.

Run from the repository root: python3 tests/data/onnx/gru_linear_before_reset/make.py
"""
import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

D = "tests/data/onnx/gru_linear_before_reset/"
rng = np.random.default_rng(7)
seq, batch, inp, hid, dirs = 4, 1, 3, 5, 2
W = rng.normal(0, 0.6, (dirs, 3 * hid, inp))
R = rng.normal(0, 0.6, (dirs, 3 * hid, hid))
B = rng.normal(0, 0.3, (dirs, 6 * hid))
gru = helper.make_node(
    "GRU", ["x", "W", "R", "B"], ["Y", "Y_h"], name="gru", hidden_size=hid,
    direction="bidirectional", linear_before_reset=1,
)
flat = helper.make_node("Flatten", ["Y_h"], ["h"], name="flat", axis=0)
graph = helper.make_graph(
    [gru, flat], "gru_lbr",
    [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [seq, batch, inp])],
    [helper.make_tensor_value_info("h", TensorProto.DOUBLE, [1, dirs * batch * hid])],
    [numpy_helper.from_array(W, "W"), numpy_helper.from_array(R, "R"), numpy_helper.from_array(B, "B")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, D + "model.onnx")
ev = ReferenceEvaluator(model)
f = lambda x: ev.run(None, {"x": x.reshape(seq, batch, inp)})[0].reshape(-1)
points, outs, jacs = [], [], []
for _ in range(4):
    x = rng.normal(0, 1, seq * batch * inp)
    y = f(x)
    J = np.zeros((y.size, x.size))
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = 1.0
        d = lambda h: (f(x + h * e) - f(x - h * e)) / (2 * h)
        J[:, j] = (4 * d(5e-4) - d(1e-3)) / 3
    points.append(x.tolist())
    outs.append(y.tolist())
    jacs.append(J.tolist())
json.dump({"points": points, "outputs": outs, "jacobians_fd": jacs,
           "note": __doc__.strip().splitlines()[0]}, open(D + "reference.json", "w"))
print("ok")
