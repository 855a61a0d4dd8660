"""Dataset-wide input sensitivity of a trained network on a Dask cluster, as a heat-map PNG.

The dataset is a dask.array split into blocks of rows; each block's Jacobians are reduced by
``nngrad`` on a worker (``Model.sensitivity``, which never holds the block's Jacobians), and the
per-block partial results are combined by dask. The model is shipped once per worker process
by a ``WorkerPlugin`` (``nngrad`` models pickle as their file's bytes), not once per block.

    python dask_sensitivity.py                       # the digits CNN, synthetic images
    python dask_sensitivity.py --model net.onnx --data X.npy --reduce rms --png s.png

Prints the (m, n) result's summary, the model loads per worker, and writes the PNG (and the
result as .npy with ``--save``).
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

import dask.array as da
from distributed import Client, LocalCluster, WorkerPlugin, get_worker

import nngrad

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = REPO / "tests" / "data" / "onnx" / "digits_keras_cnn_conv2d" / "model.onnx"
PLUGIN = "nngrad-model"


class ModelOnWorker(WorkerPlugin):
    """Carries the model to each worker once; tasks find it at ``get_worker().plugins``."""

    def __init__(self, model, threads):
        self.model = model  # pickled with the plugin (its bytes), loaded once per worker
        self.threads = threads
        self.loads = 0

    def setup(self, worker):
        self.loads += 1


def block_partial(block, reduce):
    """The block's contribution, (1, m, n): the sum over its rows of |J|, J or J² (to be
    divided by the dataset's size), or the max of |J|."""
    plugin = get_worker().plugins[PLUGIN]
    s = plugin.model.sensitivity(block, reduce, threads=plugin.threads)
    if reduce == "max_abs":
        return s[None]
    if reduce == "rms":
        s = s * s
    return (len(block) * s)[None]


def sensitivity(client, model, X, reduce, threads):
    """The dataset's (m, n) sensitivity, computed block by block on the cluster."""
    client.register_plugin(ModelOnWorker(model, threads), name=PLUGIN)
    m, n = model.output_len, model.input_len
    parts = X.map_blocks(
        block_partial, reduce, chunks=(1, m, n), new_axis=2, dtype=np.float64, meta=np.array(())
    )
    if reduce == "max_abs":
        return parts.max(axis=0).compute()
    total = parts.sum(axis=0).compute() / X.shape[0]
    return np.sqrt(total) if reduce == "rms" else total


def heat_map(S, model, reduce, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m, n = S.shape
    fig, ax = plt.subplots(figsize=(min(16, 2 + 0.12 * n), min(10, 1.5 + 0.35 * m)))
    im = ax.imshow(S, aspect="auto", cmap="viridis", interpolation="nearest")
    ax.set_xlabel(f"input ({', '.join(model.input_names)}, flattened index)")
    ax.set_ylabel("output index")
    ax.set_title(f"{reduce} of dY/dX over the dataset")
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="an .onnx file")
    p.add_argument("--output", default=None, help="the graph output to differentiate")
    p.add_argument("--data", help=".npy file of points (batch, n); default: synthetic")
    p.add_argument("--points", type=int, default=20000, help="synthetic points")
    p.add_argument("--chunk", type=int, default=2000, help="rows per dask block")
    p.add_argument("--workers", type=int, default=2, help="worker processes")
    p.add_argument("--reduce", default="mean_abs", choices=["mean_abs", "mean", "rms", "max_abs"])
    p.add_argument("--png", default="sensitivity.png", help="heat-map file to write")
    p.add_argument("--save", help="also save the (m, n) result to this .npy file")
    args = p.parse_args(argv)

    model = nngrad.Model(args.model, output=args.output)
    if args.data:
        X = np.load(args.data)
    else:
        # synthetic inputs in [0, 1) (the digits' pixel range)
        X = np.random.default_rng(0).random((args.points, model.input_len))
    Xd = da.from_array(X, chunks=(args.chunk, model.input_len))
    threads = max(1, (os.cpu_count() or 1) // args.workers)

    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, Client(cluster) as client:
        S = sensitivity(client, model, Xd, args.reduce, threads)
        loads = client.run(lambda dask_worker: dask_worker.plugins[PLUGIN].loads)

    print(f"{len(X)} points in {Xd.numblocks[0]} blocks on {args.workers} workers")
    print(f"model loads per worker: {sorted(loads.values())}")
    print(f"sensitivity ({args.reduce}) shape {S.shape}, max {S.max():.6g}")
    heat_map(S, model, args.reduce, args.png)
    print(f"wrote {args.png}")
    if args.save:
        np.save(args.save, S)
    return 0


if __name__ == "__main__":
    sys.exit(main())
