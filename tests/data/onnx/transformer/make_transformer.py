"""Writes a one-layer transformer encoder as `torch.onnx.export` (TorchScript exporter,
opset 17, dynamic batch axis) writes it, in two variants, and its references.

    python make_transformer.py      # needs numpy, scipy, onnx; onnxruntime if installed

The graph follows the exporter node for node, with its naming (`/encoder/self_attn/...`
nodes, `encoder.*` and `onnx::MatMul_*` initializers, scalars as `Constant` nodes):

* `nn.Linear` on a 3-D input: `MatMul(x, Wᵀ)` then `Add(bias, MatMul)`, float32 weights;
* the head split `q.view(B, T, H, dh).transpose(1, 2)` with the sizes computed in-graph:
  `Shape → Gather → Unsqueeze → Concat → Reshape → Transpose`, the merge back likewise;
* the key-padding mask `(pad == 0).to(torch.bool).view(B, 1, 1, T).expand(-1, H, -1, -1)`
  as `Equal → Cast → Reshape → Expand`, where torch's `expand` symbolic writes its size
  through `ConstantOfShape(Shape(size), 1) → Mul(-1) → Equal → Where`, then
  `masked_fill` as `Where(mask, -inf, 0)` added to the scores;
* `Softmax(axis=-1)`, residual `Add`s, `LayerNormalization` (opset-17 op, eps 1e-5),
  erf-GELU as `Div(x, 1.4142135) → Erf → Add(1) → Mul(x) → Mul(0.5)`.

Variants (files beside this script):

* `encoder_mask_const.onnx`: the padding mask is a registered buffer (an int64
  initializer), exported without constant folding, so `Equal` reads a constant; scores
  `MatMul(q, kᵀ) / sqrt(dh)` with `Div` by a `Constant`.
* `encoder_mask_input.onnx`: the mask comes from the input itself (a token whose embedding
  is all zero is padding: `x.abs().sum(-1) == 0`), so `Equal` reads a value computed from the
  graph input and cannot be folded; scores as `F.scaled_dot_product_attention`'s symbolic
  writes them, the scale computed in-graph (`Shape → Slice → Cast → Sqrt → Div(1, ·) → Sqrt`)
  and multiplied into q and kᵀ.

References (`reference.json`), independent of the loader under test: a float64 NumPy
reimplementation of the same mathematics (float32 weights and constants widened exactly).
Values are float64. Jacobians by the **complex step**: J[:, j] = Im f(x + i·h·e_j) / h with
h = 1e-30, exact to rounding (no subtraction), with the mask computed from the real part
(the padding mask is piecewise constant in x, so its derivative is that of the branch it
selects, the loader's convention); `scipy.special.erf` is analytic for complex arguments.
The script checks the complex-step Jacobian against float64 central differences along the
unmasked entries, and, if onnxruntime is installed, the file's outputs (float32) against the
float64 reference; both measures are saved in the JSON.
"""
import json
import math

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from scipy.special import erf

B_NAME, T, D, H, F = "batch", 5, 8, 2, 16
DH = D // H
EPS = np.float32(1e-5)
SQRT2 = np.float32(1.4142135381698608)  # the constant torch's gelu symbolic writes
NEG_INF = np.float32(-np.inf)

rng = np.random.default_rng(17)


def weight(shape, scale):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


# torch layout: Linear.weight is [out, in]
P = {
    "q.w": weight((D, D), 0.4), "q.b": weight((D,), 0.1),
    "k.w": weight((D, D), 0.4), "k.b": weight((D,), 0.1),
    "v.w": weight((D, D), 0.4), "v.b": weight((D,), 0.1),
    "o.w": weight((D, D), 0.4), "o.b": weight((D,), 0.1),
    "ln1.w": (1.0 + weight((D,), 0.1)).astype(np.float32), "ln1.b": weight((D,), 0.1),
    "l1.w": weight((F, D), 0.4), "l1.b": weight((F,), 0.1),
    "l2.w": weight((D, F), 0.3), "l2.b": weight((D,), 0.1),
    "ln2.w": (1.0 + weight((D,), 0.1)).astype(np.float32), "ln2.b": weight((D,), 0.1),
}
PAD_BUFFER = np.array([[1, 1, 1, 1, 0]], np.int64)  # the last token is padding


class Graph:
    """Collects nodes with torch's names: `/scope/Op`, `/scope/Op_1`, … and
    `<node>_output_0` values."""

    def __init__(self):
        self.nodes, self.inits, self.count, self.matmul_id = [], [], {}, 100

    def op(self, scope, op, inputs, n_out=1, **attrs):
        key = f"{scope}/{op}"
        k = self.count.get(key, 0)
        self.count[key] = k + 1
        name = key if k == 0 else f"{key}_{k}"
        outs = [f"{name}_output_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
        return outs[0] if n_out == 1 else outs

    def const(self, scope, value):
        return self.op(scope, "Constant", [], value=numpy_helper.from_array(np.asarray(value)))

    def init(self, name, value):
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def linear(self, scope, x, w, b):
        self.matmul_id += 1
        wt = self.init(f"onnx::MatMul_{self.matmul_id}", np.ascontiguousarray(w.T))
        bias = self.init(f"encoder.{scope.split('/encoder/')[1].replace('/', '.')}.bias", b)
        mm = self.op(scope, "MatMul", [x, wt])
        return self.op(scope, "Add", [bias, mm])


def build(variant):
    g = Graph()
    a = "/encoder/self_attn"
    x = "x"
    shape = g.op(a, "Shape", [x])
    bsz = g.op(a, "Gather", [shape, g.const(a, np.int64(0))], axis=0)
    tlen = g.op(a, "Gather", [shape, g.const(a, np.int64(1))], axis=0)

    def unsq(v):
        return g.op(a, "Unsqueeze", [v, g.const(a, np.array([0], np.int64))])

    # key-padding mask → additive mask [B, H, 1, T]
    if variant == "mask_const":
        pad = g.init("encoder.pad_mask", PAD_BUFFER)
        eq = g.op(a, "Equal", [pad, g.const(a, np.int64(0))])
    else:
        ab = g.op(a, "Abs", [x])
        sm = g.op(a, "ReduceSum", [ab, g.const(a, np.array([-1], np.int64))], keepdims=0)
        eq = g.op(a, "Equal", [sm, g.const(a, np.float32(0.0))])
    cast = g.op(a, "Cast", [eq], to=TensorProto.BOOL)
    one1 = g.const(a, np.array([1], np.int64))
    view = g.op(a, "Concat", [unsq(bsz), one1, one1, unsq(tlen)], axis=0)
    m4 = g.op(a, "Reshape", [cast, view])
    size = g.const(a, np.array([-1, H, -1, -1], np.int64))
    ones = g.op(a, "ConstantOfShape", [g.op(a, "Shape", [size])],
                value=numpy_helper.from_array(np.array([1], np.int64)))
    neg = g.op(a, "Mul", [ones, g.const(a, np.int64(-1))])
    sz = g.op(a, "Where", [g.op(a, "Equal", [size, neg]), ones, size])
    mexp = g.op(a, "Expand", [m4, sz])
    add_mask = g.op(a, "Where", [mexp, g.const(a, NEG_INF), g.const(a, np.float32(0.0))])

    def heads(v, perm):
        shp = g.op(a, "Concat", [unsq(bsz), unsq(tlen), g.const(a, np.array([H], np.int64)),
                                 g.const(a, np.array([DH], np.int64))], axis=0)
        return g.op(a, "Transpose", [g.op(a, "Reshape", [v, shp])], perm=perm)

    q = heads(g.linear(f"{a}/q_proj", x, P["q.w"], P["q.b"]), [0, 2, 1, 3])
    k = heads(g.linear(f"{a}/k_proj", x, P["k.w"], P["k.b"]), [0, 2, 1, 3])
    v = heads(g.linear(f"{a}/v_proj", x, P["v.w"], P["v.b"]), [0, 2, 1, 3])
    kt = g.op(a, "Transpose", [k], perm=[0, 1, 3, 2])
    if variant == "mask_const":
        scores = g.op(a, "Div", [g.op(a, "MatMul", [q, kt]), g.const(a, np.float32(math.sqrt(DH)))])
    else:
        qs = g.op(a, "Shape", [q])
        last = g.op(a, "Slice", [qs, g.const(a, np.array([-1], np.int64)),
                                 g.const(a, np.array([np.iinfo(np.int64).max], np.int64))])
        sq = g.op(a, "Sqrt", [g.op(a, "Cast", [last], to=TensorProto.FLOAT)])
        scale = g.op(a, "Div", [g.const(a, np.float32(1.0)), sq])
        root = g.op(a, "Sqrt", [scale])
        scores = g.op(a, "MatMul", [g.op(a, "Mul", [q, root]), g.op(a, "Mul", [kt, root])])
    att = g.op(a, "Softmax", [g.op(a, "Add", [scores, add_mask])], axis=-1)
    ctx = g.op(a, "Transpose", [g.op(a, "MatMul", [att, v])], perm=[0, 2, 1, 3])
    merge = g.op(a, "Concat", [unsq(bsz), unsq(tlen), g.const(a, np.array([D], np.int64))], axis=0)
    ctx = g.op(a, "Reshape", [ctx, merge])
    o = g.linear(f"{a}/out_proj", ctx, P["o.w"], P["o.b"])

    e = "/encoder"
    r1 = g.op(e, "Add", [x, o])
    h1 = g.op(f"{e}/norm1", "LayerNormalization",
              [r1, g.init("encoder.norm1.weight", P["ln1.w"]), g.init("encoder.norm1.bias", P["ln1.b"])],
              axis=-1, epsilon=float(EPS))
    f = g.linear(f"{e}/linear1", h1, P["l1.w"], P["l1.b"])
    s = f"{e}/activation"
    gl = g.op(s, "Div", [f, g.const(s, SQRT2)])
    gl = g.op(s, "Erf", [gl])
    gl = g.op(s, "Add", [gl, g.const(s, np.float32(1.0))])
    gl = g.op(s, "Mul", [f, gl])
    gl = g.op(s, "Mul", [gl, g.const(s, np.float32(0.5))])
    f2 = g.linear(f"{e}/linear2", gl, P["l2.w"], P["l2.b"])
    r2 = g.op(e, "Add", [h1, f2])
    y = g.op(f"{e}/norm2", "LayerNormalization",
             [r2, g.init("encoder.norm2.weight", P["ln2.w"]), g.init("encoder.norm2.bias", P["ln2.b"])],
             axis=-1, epsilon=float(EPS))
    g.nodes[-1].output[0] = "y"
    graph = helper.make_graph(
        g.nodes, "main_graph",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [B_NAME, T, D])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [B_NAME, T, D])],
        g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="pytorch", producer_version="2.1.0")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


# ---------------------------------------------------------------- the NumPy reference
def w64(name):
    return P[name].astype(np.float64)


def layer_norm(v, gamma, beta):
    mu = v.mean(-1, keepdims=True)
    c = v - mu
    var = (c * c).mean(-1, keepdims=True)
    return c / np.sqrt(var + float(EPS)) * gamma + beta


def reference(variant, x):
    """The encoder at x (shape [1, T, D], real or complex for the complex step)."""
    lin = lambda v, n: v @ w64(f"{n}.w").T + w64(f"{n}.b")
    if variant == "mask_const":
        pad = PAD_BUFFER == 0
    else:
        pad = np.abs(x.real).sum(-1) == 0  # from the real part: piecewise constant
    add = np.where(pad, -np.inf, 0.0)[:, None, None, :]  # [B, 1, 1, T] → broadcast over H
    split = lambda v: v.reshape(1, T, H, DH).transpose(0, 2, 1, 3)
    q, k, v = split(lin(x, "q")), split(lin(x, "k")), split(lin(x, "v"))
    kt = k.transpose(0, 1, 3, 2)
    if variant == "mask_const":
        s = (q @ kt) / float(np.float32(math.sqrt(DH)))
    else:
        root = math.sqrt(1.0 / math.sqrt(DH))
        s = (q * root) @ (kt * root)
    s = s + add
    e = np.exp(s - s.real.max(-1, keepdims=True))
    att = e / e.sum(-1, keepdims=True)
    ctx = (att @ v).transpose(0, 2, 1, 3).reshape(1, T, D)
    h1 = layer_norm(x + lin(ctx, "o"), w64("ln1.w"), w64("ln1.b"))
    f = lin(h1, "l1")
    gl = f * (erf(f / float(SQRT2)) + 1.0) * 0.5
    return layer_norm(h1 + lin(gl, "l2"), w64("ln2.w"), w64("ln2.b"))


def points(variant):
    pts = []
    for p in range(3):
        x = rng.standard_normal((1, T, D)).astype(np.float32)
        if variant == "mask_input" and p < 2:
            x[0, T - 1 - p:, :] = 0.0  # one, then two padding tokens
        pts.append(x.astype(np.float64))
    return pts


def jacobian(variant, x):
    n = x.size
    h = 1e-30
    cols = []
    for j in range(n):
        xc = x.astype(np.complex128).ravel()
        xc[j] += 1j * h
        cols.append((reference(variant, xc.reshape(x.shape)).imag / h).ravel())
    return np.stack(cols, axis=1)


def central_check(variant, x, jac, pad_cols):
    """Largest difference to float64 central differences (h = 1e-6), relative to max |J|,
    over the columns that do not move a padding token."""
    worst = 0.0
    for j in range(x.size):
        if j in pad_cols:
            continue
        d = np.zeros(x.size)
        d[j] = 1e-6
        fp = reference(variant, x + d.reshape(x.shape)).ravel()
        fm = reference(variant, x - d.reshape(x.shape)).ravel()
        worst = max(worst, np.abs((fp - fm) / 2e-6 - jac[:, j]).max())
    return worst / np.abs(jac).max()


def main():
    out = {
        "about": "references for the torch-style transformer encoder; see make_transformer.py",
        "values": "float64 NumPy reimplementation, float32 weights widened exactly",
        "jacobian_method": "complex step, h = 1e-30, mask from the real part",
        "layout": "x and y flattened row-major from [1, T, D]; jacobian row-major [T*D][T*D]",
        "variants": {},
    }
    try:
        import onnxruntime as ort
    except ImportError:
        ort = None
    for variant in ["mask_const", "mask_input"]:
        model = build(variant)
        path = f"encoder_{variant}.onnx"
        onnx.save(model, path)
        rec = {"model": path, "points": [], "outputs": [], "jacobians": [], "pad_columns": []}
        fd_worst, ort_worst = 0.0, None
        for x in points(variant):
            y = reference(variant, x)
            assert np.isfinite(y).all()
            jac = jacobian(variant, x)
            assert np.isfinite(jac).all()
            rows = np.abs(x.reshape(T, D)).sum(-1) == 0
            pad_cols = [t * D + c for t in range(T) if rows[t] for c in range(D)]
            fd_worst = max(fd_worst, central_check(variant, x, jac, set(pad_cols)))
            if ort is not None:
                sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
                yo = sess.run(None, {"x": x.astype(np.float32)})[0].astype(np.float64)
                d = float(np.abs(yo - y).max())
                ort_worst = d if ort_worst is None else max(ort_worst, d)
            rec["points"].append(x.ravel().tolist())
            rec["outputs"].append(y.ravel().tolist())
            rec["jacobians"].append(jac.ravel().tolist())
            rec["pad_columns"].append(pad_cols)
        assert fd_worst < 1e-7, fd_worst
        rec["central_differences_vs_complex_step"] = fd_worst
        rec["onnxruntime_float32_max_abs_diff"] = ort_worst
        if ort_worst is not None:
            assert ort_worst < 1e-4, ort_worst
        out["variants"][variant] = rec
        print(f"{variant}: {len(model.graph.node)} nodes, complex step vs central differences "
              f"{fd_worst:.1e} (relative to max|J|), onnxruntime float32 vs float64 {ort_worst}")
    with open("reference.json", "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
