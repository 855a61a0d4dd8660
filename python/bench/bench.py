"""nngrad against what a Python user would pick instead, in one run:

* onnxruntime + batched central differences: per point one ``run`` call on 2n+1 inputs
  (x, x ± h·e_j), float32 as the models are;
* JAX ``jit(vmap(jacfwd(f)))`` of the MLP rebuilt from the ONNX file's weights (float64, as
  nngrad computes), compile time excluded;
* nngrad ``Model.jacobian`` on the whole batch, on one thread and on every core.

Models: the shared fixtures (tests/data/onnx) and the anchor MLPs (MLP-S 8→32→32→4, MLP-M
32→128→128→16, MLP-L 128→512→512→64, tanh hidden, linear out), built here as ONNX files.
Single-thread columns pin every library to one thread (onnxruntime intra/inter-op threads 1,
XLA without its thread pool, nngrad ``threads=1``).

    python bench.py [--quick] [--markdown out.md]

Prints a markdown table (and writes it with ``--markdown``): best-of-N wall time per batch,
nngrad's speed-up, and each method's largest Jacobian error relative to max|J| against the
fixture's float64 reference (MLPs: against the closed-form float64 Jacobian).
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

# XLA reads its flags at import: one thread for the single-thread comparison.
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import numpy_helper  # noqa: E402

import nngrad  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
import onnx_models  # noqa: E402

REPO = HERE.parents[1]
FIXTURES = [
    "diabetes_mlp_tanh_regressor",
    "wine_mlp_relu_softmax_classifier",
    "digits_mlp_sigmoid_softmax_classifier",
    "digits_keras_cnn_conv2d",
    "digits_keras_lstm_sequence",
]

try:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    JAX = f"jax {jax.__version__}"
except ImportError as e:  # the table says so
    jax = None
    JAX = f"JAX not installed ({e})"


def best_time(fn, repeats, min_time=0.05):
    """Best wall time of `repeats` calls (each repeated until `min_time` if fast)."""
    fn()  # warm-up: pools, caches, JIT
    best = float("inf")
    for _ in range(repeats):
        count, t0 = 0, time.perf_counter()
        while True:
            fn()
            count += 1
            t = time.perf_counter() - t0
            if t >= min_time:
                break
        best = min(best, t / count)
    return best


def rel_err(J, ref):
    return float(np.max(np.abs(J - ref)) / max(np.max(np.abs(ref)), 1e-300))


class OrtFD:
    """Central differences on onnxruntime: one run call per point on its 2n+1 inputs."""

    def __init__(self, model_bytes, point_shape, output, threads):
        so = ort.SessionOptions()
        if threads:
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = threads
        self.sess = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
        self.input = self.sess.get_inputs()[0].name
        self.output = output
        self.point_shape = list(point_shape)

    def jacobian(self, X):
        k, n = X.shape
        J = None
        eye = np.eye(n)
        for p in range(k):
            x = X[p]
            h = 1e-3 * np.maximum(1.0, np.abs(x))  # ~ cube root of float32 eps, scaled
            stencil = np.vstack([x, x + eye * h, x - eye * h]).astype(np.float32)
            (y,) = self.sess.run(
                [self.output], {self.input: stencil.reshape([2 * n + 1] + self.point_shape)}
            )
            y = np.asarray(y, dtype=np.float64).reshape(2 * n + 1, -1)
            jp = ((y[1 : n + 1] - y[n + 1 :]) / (2 * h[:, None])).T
            if J is None:
                J = np.empty((k,) + jp.shape)
            J[p] = jp
        return J


def jax_mlp(model_bytes):
    """jit(vmap(jacfwd(f))) of the MLP whose Gemm weights the ONNX file holds."""
    graph = onnx.load_from_string(model_bytes).graph
    init = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in graph.initializer}
    layers = [(jnp.asarray(init[n.input[1]]), jnp.asarray(init[n.input[2]]))
              for n in graph.node if n.op_type == "Gemm"]

    def f(x):
        h = x
        for i, (w, b) in enumerate(layers):
            h = h @ w + b
            if i < len(layers) - 1:
                h = jnp.tanh(h)
        return h

    jac = jax.jit(jax.vmap(jax.jacfwd(f)))
    return lambda X: jac(X).block_until_ready()


def workloads(quick):
    rng = np.random.default_rng(7)
    k_fix = 100 if quick else 500
    for name in FIXTURES:
        d = REPO / "tests" / "data" / "onnx" / name
        import json

        ref = json.loads((d / "reference.json").read_text())
        base = np.asarray(ref["points"], dtype=np.float64)
        # the fixture's 10 points and their references, tiled to a batch
        reps = k_fix // len(base)
        X = np.tile(base, (reps, 1))
        J_ref = np.tile(np.asarray(ref["jacobians_reference_f64"]), (reps, 1, 1))
        yield dict(name=name, bytes=(d / "model.onnx").read_bytes(), X=X, J_ref=J_ref,
                   point_shape=ref["layout"]["point_shape"], output=ref["output"]["name"],
                   mlp=False)
    for label, sizes in onnx_models.ANCHOR_MLPS.items():
        for k in ((1000,) if label == "MLP-S" else ((100,) if quick else (100, 1000))):
            if label == "MLP-L" and k > 100:
                continue
            b, weights = onnx_models.mlp(sizes, seed=1)
            X = rng.uniform(-1, 1, size=(k, sizes[0]))
            _, J_ref = onnx_models.mlp_numpy(weights, X)
            yield dict(name=f"{label} ×{k}", bytes=b, X=X, J_ref=J_ref, point_shape=[sizes[0]],
                       output="y", mlp=True)


def machine():
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, nngrad {nngrad.__version__}, numpy "
            f"{np.__version__}, onnxruntime {ort.__version__}, {JAX}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller batches, fewer repeats")
    p.add_argument("--markdown", help="write the table to this file too")
    args = p.parse_args(argv)
    repeats = 3 if args.quick else 5

    rows = []
    for w in workloads(args.quick):
        model = nngrad.Model(w["bytes"], output=w["output"])
        X, J_ref = w["X"], w["J_ref"]
        k = len(X)
        t_nn1 = best_time(lambda: model.jacobian(X, threads=1), repeats)
        t_nn = best_time(lambda: model.jacobian(X), repeats)
        e_nn = rel_err(model.jacobian(X)[1], J_ref)
        fd = OrtFD(w["bytes"], w["point_shape"], w["output"], threads=1)
        t_fd = best_time(lambda: fd.jacobian(X), max(1, repeats // 2), min_time=0)
        e_fd = rel_err(fd.jacobian(X), J_ref)
        t_jax = e_jax = None
        if w["mlp"] and jax is not None:
            jf = jax_mlp(w["bytes"])
            t_jax = best_time(lambda: jf(X), repeats)
            e_jax = rel_err(np.asarray(jf(X)), J_ref)
        rows.append((w["name"], model.input_len, model.output_len, k, t_nn1, t_nn, e_nn, t_fd,
                     e_fd, t_jax, e_jax))
        print(f"{w['name']}: nngrad {t_nn1 * 1e3:.2f} ms (1 thread), ORT+FD {t_fd * 1e3:.2f} ms"
              + (f", JAX {t_jax * 1e3:.2f} ms" if t_jax else ""), file=sys.stderr)

    ms = lambda t: f"{t * 1e3:.3g}"  # noqa: E731
    lines = [
        f"Machine: {machine()}.",
        "",
        "| model | n→m | points | nngrad 1 thread (ms) | nngrad all cores (ms) | onnxruntime + "
        "central FD, 1 thread (ms) | speed-up vs ORT+FD (1 thread) | JAX jit(vmap(jacfwd)) 1 "
        "thread (ms) | nngrad / JAX time (1 thread) | max error / max abs J: nngrad, FD, JAX |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (name, n, m, k, t1, t, e, tfd, efd, tj, ej) in rows:
        jax_cols = (f"{ms(tj)} | {t1 / tj:.2f}" if tj else "— | —")
        errs = f"{e:.1e}, {efd:.1e}" + (f", {ej:.1e}" if ej is not None else "")
        lines.append(f"| {name} | {n}→{m} | {k} | {ms(t1)} | {ms(t)} | {ms(tfd)} | "
                     f"{tfd / t1:.1f}× | {jax_cols} | {errs} |")
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
