"""Writes model.onnx: y = Range(x, 5, 1) for a scalar float input x, a model whose output
length (ceil(5 - x)) depends on the input's value. Used by the rustdoc example of
`Model::output_is_dynamic` and tests/onnx_run_time_shapes.rs.

Run: python make_model.py (needs the `onnx` package)."""
import onnx
from onnx import TensorProto, helper, numpy_helper
import numpy as np

graph = helper.make_graph(
    [helper.make_node("Range", ["x", "limit", "delta"], ["y"], name="range")],
    "range_dynamic",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])],
    [
        numpy_helper.from_array(np.array(5.0, np.float32), "limit"),
        numpy_helper.from_array(np.array(1.0, np.float32), "delta"),
    ],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="nngrad tests")
model.ir_version = 8
onnx.checker.check_model(model, full_check=True)
onnx.save(model, "model.onnx")
