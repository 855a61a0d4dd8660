"""Extended-precision (x87 80-bit long double) Jacobians of the two fixtures whose JAX
float64 references lose digits: the tanh regressor (JAX differentiates tanh as 1 - t^2, which
cancels for |x| >> 1) and the saturated softmax classifier (JAX's softmax JVP
y*(dz - sum(y dz)) cancels when y ~ 1). Written independently of nngrad with NumPy,
using sech^2 = 1/cosh^2 and softmax' = diag(y) - y y^T with y_i(1 - y_i) = y_i * sum_{j!=i} y_j.

Run from the repository root: python3 tests/data/onnx/extended_reference.py
(needs numpy and onnx); writes reference_extended.json beside each reference.json.
"""
import json

import numpy as np
import onnx
from onnx import helper, numpy_helper

L = np.longdouble
D = "tests/data/onnx/"


def load(name):
    m = onnx.load(D + name + "/model.onnx")
    w = {i.name: numpy_helper.to_array(i).astype(L) for i in m.graph.initializer}
    text = open(D + name + "/reference.json").read()
    for bad in ("-Infinity", "Infinity", "NaN"):
        text = text.replace(bad, "null")
    return m, w, json.loads(text)


def softmax_jac(a):
    e = np.exp(a - a.max())
    y = e / e.sum()
    s = -np.outer(y, y)
    for i in range(len(y)):
        s[i, i] = y[i] * (y.sum() - y[i])
    return y, s


def diabetes():
    _, w, r = load("diabetes_mlp_tanh_regressor")
    outs, jacs = [], []
    for p in r["points"]:
        x = np.array(p, dtype=L)
        z = (x - w["Su_Subcst"]) / w["Di_Divcst"]
        j = np.diag(1 / w["Di_Divcst"])
        a = z @ w["coefficient"] + w["intercepts"][0]
        j = (1 / np.cosh(a) ** 2)[:, None] * (w["coefficient"].T @ j)
        t = np.tanh(a)
        a = t @ w["coefficient1"] + w["intercepts1"][0]
        j = (1 / np.cosh(a) ** 2)[:, None] * (w["coefficient1"].T @ j)
        t = np.tanh(a)
        y = t @ w["coefficient2"] + w["intercepts2"][0]
        outs.append([float(v) for v in y])
        jacs.append([[float(v) for v in row] for row in w["coefficient2"].T @ j])
    return outs, jacs


def wine():
    m, w, r = load("wine_mlp_relu_softmax_classifier")
    sc = [n for n in m.graph.node if n.op_type == "Scaler"][0]
    attr = {a.name: helper.get_attribute_value(a) for a in sc.attribute}
    off = np.array(attr["offset"], dtype=np.float32).astype(L)
    scl = np.array(attr["scale"], dtype=np.float32).astype(L)
    outs, jacs = [], []
    for p in r["points"]:
        x = np.array(p, dtype=L)
        z = (x - off) * scl
        j = np.diag(scl)
        a = z @ w["coefficient"] + w["intercepts"].reshape(-1)
        j = (a > 0).astype(L)[:, None] * (w["coefficient"].T @ j)
        t = np.maximum(a, 0)
        a = t @ w["coefficient1"] + w["intercepts1"].reshape(-1)
        y, s = softmax_jac(a)
        outs.append([float(v) for v in y])
        jacs.append([[float(v) for v in row] for row in s @ (w["coefficient1"].T @ j)])
    return outs, jacs


for name, f in (("diabetes_mlp_tanh_regressor", diabetes), ("wine_mlp_relu_softmax_classifier", wine)):
    outs, jacs = f()
    json.dump(
        {
            "note": __doc__.strip().splitlines()[0] + " See extended_reference.py.",
            "precision": "numpy.longdouble (x87 80-bit, 64-bit mantissa)",
            "outputs": outs,
            "jacobians": jacs,
        },
        open(D + name + "/reference_extended.json", "w"),
    )
    print("wrote", name)
