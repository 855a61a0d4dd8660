#!/usr/bin/env python3
"""Reads criterion's samples (target/criterion/**/new/sample.json) of the `jacobian`
bench and prints the markdown tables of BENCHMARKS.md: time per call of every method and its
ratio to the analytic Jacobian of the same workload (per point for the batch row; for the
JVP, also the ratio to one plain f64 evaluation)."""
import json, os, sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")

def est(group, bench, param=None):
    parts = [root, group, bench] + ([str(param)] if param is not None else []) + ["new", "sample.json"]
    p = os.path.join(*parts)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        s = json.load(f)
    # Median over criterion's samples of the per-call time (each sample is already the
    # 20th percentile of short batches, see `robust` in the bench).
    v = sorted(t / i for t, i in zip(s["times"], s["iters"]))
    return v[len(v) // 2]  # nanoseconds

def fmt(ns):
    if ns is None:
        return "—"
    if ns >= 1e6:
        return f"{ns/1e6:.3g} ms"
    if ns >= 1e3:
        return f"{ns/1e3:.3g} µs"
    return f"{ns:.3g} ns"

def ratio(a, b):
    return "—" if a is None or b is None else f"{a/b:.2f}x"

METHODS = [
    ("nngrad_plain", "nngrad, plain-loop network, `jacobian` (DEFAULT_CHUNK lanes)"),
    ("nngrad_plain_model", "nngrad, plain-loop network as a `Differentiable` model, provided `jacobian` (lanes from n: 8, 32, 32)"),
    ("nngrad_plain_macro", "nngrad, plain-loop network, `jacobian!` (lanes from n, as the model)"),
    ("nngrad_plain_c4", "nngrad, plain-loop network, `Chunk::<4>`"),
    ("nngrad_plain_c16", "nngrad, plain-loop network, `Chunk::<16>`"),
    ("nngrad_plain_c32", "nngrad, plain-loop network, `Chunk::<32>`"),
    ("nngrad_plain_c64", "nngrad, plain-loop network, `Chunk::<64>` (lanes spill out of the 16 AVX2 registers)"),
    ("nngrad_plain_fallback", "nngrad, plain-loop network, `jacobian`, AVX2 clone switched off (the body as written, baseline x86-64)"),
    ("exp_plain_outlined", "experiment: plain-loop network, `tanh` called through an `#[inline(never)]` helper"),
    ("exp_plain_split", "experiment: plain-loop network, `tanh` applied in a loop of its own after each layer"),
    ("onnx_gemm_f64", "loaded ONNX model, `Model::jacobian`, Gemm(transB=1)+Tanh, float64 weights (tangent route)"),
    ("onnx_matmul_f32", "loaded ONNX model, `Model::jacobian`, MatMul+Add+Tanh, float32 weights (tangent route)"),
    ("onnx_generic", "loaded ONNX model, generic evaluator (`try_jacobian` over `Model::eval`, the path before the route)"),
    ("matlab_genfunction", "MATLAB genFunction net, `ShallowNet::jacobian`"),
    ("nngrad_dense", "nngrad dense path, `Mlp::jacobian_with`"),
    ("nngrad_dense_generic", "nngrad dense path, `jacobian(|x| mlp.forward(x))` (DualN through the kernels)"),
    ("analytic", "hand-written analytic (forward order, matrixmultiply GEMMs)"),
    ("num_dual", "num-dual 0.15 `jacobian`, `DualSVec64<n>`"),
    ("central_fd", "central finite differences"),
]

print("### Full Jacobian at one point (time per call; ratio to the analytic Jacobian)\n")
groups = [("mlp_s", "MLP-S 8→32→32→4"), ("mlp_m", "MLP-M 32→128→128→16"), ("mlp_l", "MLP-L 128→512→512→64")]
print("| method | " + " | ".join(g[1] for g in groups) + " |")
print("|---|" + "---|" * len(groups))
for key, label in METHODS:
    cells = []
    for g, _ in groups:
        t, a = est(g, key), est(g, "analytic")
        cells.append(f"{fmt(t)} ({ratio(t, a)})")
    print(f"| {label} | " + " | ".join(cells) + " |")

print("\n### MLP-S at 1000 points (time per Jacobian; ratio to the per-point analytic Jacobian)\n")
print("| method | per Jacobian | ratio |")
print("|---|---|---|")
a = est("mlp_s_x1000", "analytic")
for key, label in [("nngrad_dense_batch", "nngrad dense path, `Mlp::jacobian_batch_with` (points side by side)"),
                   ("nngrad_dense_batch_parallel", "nngrad dense path, `Mlp::jacobian_batch_parallel` (all cores; here 2, shared)"),
                   ("onnx_batch_t1", "loaded ONNX model (Gemm f64), `jacobian_batch`, 1 thread"),
                   ("onnx_batch_t2", "loaded ONNX model (Gemm f64), `jacobian_batch`, 2 threads (shared cores)"),
                   ("nngrad_dense", "nngrad dense path, one point at a time"),
                   ("nngrad_plain", "nngrad, plain-loop network, one point at a time"),
                   ("analytic", "hand-written analytic, one point at a time"),
                   ("num_dual", "num-dual 0.15, one point at a time"),
                   ("central_fd", "central finite differences, one point at a time")]:
    t = est("mlp_s_x1000", key)
    print(f"| {label} | {fmt(t and t/1000)} | {ratio(t, a)} |")

print("\n### Extended Rosenbrock gradient (time per call; ratio to the closed-form gradient, and to central FD)\n")
print("| method | n = 10 | n = 100 | n = 1000 |")
print("|---|---|---|---|")
for key, label in [("nngrad_plain", "nngrad `gradient` (DEFAULT_CHUNK lanes)"),
                   ("nngrad_plain_c4", "nngrad `gradient_chunk(Chunk::<4>)`"),
                   ("nngrad_plain_c16", "nngrad `gradient_chunk(Chunk::<16>)`"),
                   ("analytic", "closed-form gradient"),
                   ("num_dual", "num-dual 0.15 `gradient` (`DualSVec64<n>`; n = 1000: `DualDVec64`)"),
                   ("central_fd", "central finite differences")]:
    cells = []
    for n in (10, 100, 1000):
        t, a, fd = est("rosenbrock", key, n), est("rosenbrock", "analytic", n), est("rosenbrock", "central_fd", n)
        cells.append(f"{fmt(t)} ({ratio(t, a)}; {ratio(t, fd)} FD)")
    print(f"| {label} | " + " | ".join(cells) + " |")

print("\n### One JVP of MLP-M (time per call; ratio to one plain f64 evaluation and to the analytic JVP)\n")
print("| method | time | / plain eval | / analytic JVP |")
print("|---|---|---|---|")
pe, aj = est("jvp_mlp_m", "plain_eval"), est("jvp_mlp_m", "analytic")
for key, label in [("plain_eval", "plain f64 evaluation (the plain-loop network)"),
                   ("dense_eval", "f64 evaluation, dense path (`Mlp::forward::<f64>`)"),
                   ("analytic_eval", "f64 evaluation, matrix-vector products"),
                   ("nngrad_plain", "nngrad `jvp`, plain-loop network"),
                   ("exp_plain_outlined", "experiment: nngrad `jvp`, plain-loop network, `tanh` through an `#[inline(never)]` helper"),
                   ("nngrad_dense", "nngrad dense path `Mlp::jvp`"),
                   ("onnx_forward", "loaded ONNX model (Gemm f64), `Model::forward`"),
                   ("onnx_jvp", "loaded ONNX model (Gemm f64), `Model::jvp`"),
                   ("analytic", "hand-written analytic JVP"),
                   ("num_dual", "num-dual 0.15, `Dual64`"),
                   ("central_fd", "central finite differences")]:
    t = est("jvp_mlp_m", key)
    print(f"| {label} | {fmt(t)} | {ratio(t, pe)} | {ratio(t, aj)} |")

print("\n### Models of the shared fixtures (one point; `x` = |uniform|)\n")
print("| model | inputs | `Model::forward` | `Model::jacobian` | / (forward × (n+1)) | generic evaluator (`try_jacobian` over `Model::eval`) | speed-up |")
print("|---|---|---|---|---|---|---|")
for name, n in [("diabetes_mlp_tanh_regressor", 10),
                ("wine_mlp_relu_softmax_classifier", 13),
                ("digits_mlp_sigmoid_softmax_classifier", 64),
                ("digits_keras_cnn_conv2d", 64),
                ("digits_keras_lstm_sequence", 64)]:
    f = est("fixtures", name, "forward")
    j = est("fixtures", name, "jacobian")
    gj = est("fixtures", name, "generic")
    up = "—" if j is None or gj is None else f"{gj/j:.1f}x"
    print(f"| {name} | {n} | {fmt(f)} | {fmt(j)} | {ratio(j, f and f * (n + 1))} | {fmt(gj)} | {up} |")
