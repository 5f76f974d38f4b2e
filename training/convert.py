"""PP-OCRv4's recognizer (ONNX, inside the rapidocr-onnxruntime wheel) as a trainable PyTorch module.

Three things stand between that ONNX file and ``onnx2torch`` (found the hard way, Dec 2026):

1. v4 stores most weights as ``Constant`` nodes, which onnx2torch turns into fixed buffers: they become
   graph initializers first, so they convert to trainable parameters;
2. onnx2torch needs every tensor's shape; ONNX's shape inference leaves many unknown, so the shapes are
   recorded by running ONNX Runtime once with every intermediate tensor exposed;
3. (PP-OCRv6 only, not used here) its ``SAME_UPPER`` padding, which onnx2torch rejects.

The output head is cut from ~6600 symbols to 37 classes (CTC blank + A-Z0-9): the rows of the last
MatMul/Add that belong to those symbols are kept, so the model starts from what it already knew about
them. The final Softmax is removed (training wants logits); ``export`` puts it back.
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

from alpr.ocr.models import second_opinion_recognizer_path
from alpr.ocr.plate_recognizer import INPUT_HEIGHT, INPUT_WIDTH
from alpr.ocr.recognizer import ALPHABET


def _constants_to_initializers(graph: onnx.GraphProto) -> None:
    kept = []
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            array = numpy_helper.to_array(node.attribute[0].t)
            if array.dtype == np.float32 and array.size > 1:
                graph.initializer.append(numpy_helper.from_array(array, node.output[0]))
                continue
        kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)


def _class_columns(model: onnx.ModelProto) -> list[int]:
    """Columns of the original head for [blank, A..Z, 0..9] (index 0 blank, vocabulary from 1)."""
    metadata = {p.key: p.value for p in model.metadata_props}
    vocabulary = metadata["character"].splitlines()
    return [0, *(vocabulary.index(c) + 1 for c in ALPHABET)]


def _cut_head(model: onnx.ModelProto) -> None:
    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    producers = {out: node for node in graph.node for out in node.output}
    softmax = producers[graph.output[0].name]
    if softmax.op_type != "Softmax":
        raise ValueError(f"expected the recognizer to end in Softmax, found {softmax.op_type}")
    columns = _class_columns(model)
    add = producers[softmax.input[0]]
    matmul = producers[next(i for i in add.input if i not in initializers)]
    bias_name = next(i for i in add.input if i in initializers)
    weight_name = next(i for i in matmul.input if i in initializers)
    for name, axis in ((weight_name, 1), (bias_name, 0)):
        array = numpy_helper.to_array(initializers[name])
        initializers[name].CopyFrom(numpy_helper.from_array(np.take(array, columns, axis=axis), name))
    graph.node.remove(softmax)
    output = graph.output[0]
    output.name = add.output[0]
    del output.type.tensor_type.shape.dim[:]


def _record_shapes(model: onnx.ModelProto) -> None:
    """Runs ONNX Runtime once with every intermediate exposed and writes the shapes into value_info."""
    graph = model.graph
    known = {v.name for v in (*graph.input, *graph.output)} | {i.name for i in graph.initializer}
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    del probe.graph.value_info[:]
    names = [out for node in probe.graph.node for out in node.output if out and out not in known]
    for name in names:
        probe.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    dummy = np.zeros((1, 3, INPUT_HEIGHT, INPUT_WIDTH), np.float32)
    values = session.run(None, {session.get_inputs()[0].name: dummy})
    del graph.value_info[:]
    for output, value in zip(session.get_outputs(), values, strict=True):
        array = np.asarray(value)
        element = onnx.helper.np_dtype_to_tensor_dtype(array.dtype)
        if output.name == graph.output[0].name:
            graph.output[0].CopyFrom(onnx.helper.make_tensor_value_info(output.name, element, array.shape))
        elif output.name not in known:
            graph.value_info.append(onnx.helper.make_tensor_value_info(output.name, element, array.shape))


def trainable_onnx() -> onnx.ModelProto:
    """The v4 recognizer with a 37-class logits head, weights as initializers and every shape recorded."""
    model = onnx.load(str(second_opinion_recognizer_path()))
    graph = model.graph
    _constants_to_initializers(graph)
    dims = graph.input[0].type.tensor_type.shape.dim
    dims[0].dim_value = 1
    dims[2].dim_value = INPUT_HEIGHT
    dims[3].dim_value = INPUT_WIDTH
    _cut_head(model)
    _record_shapes(model)
    return model


def _without_torchvision() -> None:
    """onnx2torch imports torchvision for two operators this graph lacks (NonMaxSuppression, RoiAlign), and
    PyPI's torchvision does not load beside the CPU build of torch (``operator torchvision::nms does not
    exist``). onnx2torch is installed without its dependencies (training/requirements-nodeps.txt) and sees
    a placeholder that fails if those operators were ever used."""
    try:
        import torchvision  # noqa: F401
    except (ImportError, RuntimeError):
        import sys
        import types

        def unavailable(*_args: object, **_kwargs: object) -> None:
            raise NotImplementedError("torchvision is not installed (not needed for the plate recognizer)")

        ops = types.ModuleType("torchvision.ops")
        ops.nms = ops.box_convert = ops.roi_align = unavailable  # type: ignore[attr-defined]
        package = types.ModuleType("torchvision")
        package.ops = ops  # type: ignore[attr-defined]
        sys.modules["torchvision"] = package
        sys.modules["torchvision.ops"] = ops


def pretrained_module():  # type: ignore[no-untyped-def]
    """The converted torch.nn.Module: (N, 3, 48, 192) in [-1, 1] -> (N, 24, 37) logits."""
    import torch

    _without_torchvision()
    from onnx2torch import convert

    module = convert(trainable_onnx())
    # onnx2torch keeps initializers that feed MatMul/Add/Mul (the SVTR neck's linear layers, the head) as
    # buffers: make the float ones parameters so they train too.
    holder = getattr(module, "initializers", None)
    if holder is not None:
        for name, buffer in list(holder.named_buffers(recurse=False)):
            if buffer.is_floating_point() and buffer.numel() > 1:
                del holder._buffers[name]
                holder.register_parameter(name, torch.nn.Parameter(buffer.clone()))
    return module
