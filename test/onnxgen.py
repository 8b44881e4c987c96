# Copyright 2026 The jetson_dnn_ros Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""
Tiny ONNX models built with ``onnx.helper`` whose outputs are known analytically.

:func:`constant_model` makes a model that ignores the values of its image input and returns
fixed tensors, so a decoder test can plant e.g. a box at a known grid cell and check that it
comes back at the exact source-pixel coordinates after preprocessing. The input still flows
through the graph (``output = const + 0 * ReduceSum(input)``), so the model is a real one that
ONNX Runtime (and TensorRT) execute.
"""

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import onnx
from onnx import helper
from onnx import numpy_helper
from onnx import TensorProto

_ONNX_TYPES = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float16): TensorProto.FLOAT16,
               np.dtype(np.int64): TensorProto.INT64, np.dtype(np.int32): TensorProto.INT32,
               np.dtype(np.uint8): TensorProto.UINT8}


def _save(graph, path, opset: int = 13) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = Path(path)
    onnx.save(model, str(path))
    return path


def constant_model(path, outputs: Mapping[str, np.ndarray], input_name: str = 'images',
                   input_shape: Sequence = (1, 3, 64, 64), input_dtype=np.float32,
                   extra_inputs: Mapping[str, tuple] = None) -> Path:
    """
    Write a model whose outputs are the given arrays, whatever the input.

    :param path: where to write the ``.onnx`` file.
    :param outputs: ``{output name: array}``; float outputs get ``+ 0 * sum(input)`` so the
        image input is really consumed, other dtypes are returned as constants.
    :param input_name: name of the image input.
    :param input_shape: its shape; use ``None`` or a string for dynamic dimensions.
    :param input_dtype: its numpy dtype.
    :param extra_inputs: other inputs ``{name: (shape, dtype)}`` that the graph ignores.
    :return: the path written.
    """
    elem = _ONNX_TYPES[np.dtype(input_dtype)]
    dims = [d if isinstance(d, int) else (d or 'dyn') for d in input_shape]
    inputs = [helper.make_tensor_value_info(input_name, elem, dims)]
    for name, (shape, dtype) in (extra_inputs or {}).items():
        inputs.append(helper.make_tensor_value_info(name, _ONNX_TYPES[np.dtype(dtype)],
                                                    list(shape)))
    nodes = [helper.make_node('ReduceSum', [input_name], ['_sum'], keepdims=0),
             helper.make_node('Cast', ['_sum'], ['_sumf'], to=TensorProto.FLOAT),
             helper.make_node('Mul', ['_sumf', '_zero'], ['_nil'])]
    inits = [numpy_helper.from_array(np.zeros((), np.float32), '_zero')]
    outs = []
    for name, value in outputs.items():
        value = np.asarray(value)
        const = f'_const_{len(inits)}'
        inits.append(numpy_helper.from_array(value, const))
        if value.dtype == np.float32:
            nodes.append(helper.make_node('Add', [const, '_nil'], [name]))
        else:
            nodes.append(helper.make_node('Identity', [const], [name]))
        outs.append(helper.make_tensor_value_info(name, _ONNX_TYPES[value.dtype],
                                                  list(value.shape)))
    graph = helper.make_graph(nodes, 'constant_model', inputs, outs, initializer=inits)
    return _save(graph, path)


def identity_model(path, shape: Sequence = (1, 3, 8, 8), input_name: str = 'input',
                   output_name: str = 'output', dtype=np.float32) -> Path:
    """Write a model that returns its input unchanged (for preprocessing round trips)."""
    elem = _ONNX_TYPES[np.dtype(dtype)]
    dims = [d if isinstance(d, int) else (d or 'dyn') for d in shape]
    graph = helper.make_graph(
        [helper.make_node('Identity', [input_name], [output_name])], 'identity',
        [helper.make_tensor_value_info(input_name, elem, dims)],
        [helper.make_tensor_value_info(output_name, elem, dims)])
    return _save(graph, path)


def make_batch_dynamic(source, path, batch: str = 'N') -> Path:
    """
    Write a copy of an ONNX model whose batch dimension is dynamic.

    The first dimension of every graph input and output becomes the symbol ``batch``, and
    each Reshape whose target shape is a constant starting with 1 (an exporter's hard-coded
    batch, e.g. YOLOX's ``[1, 85, -1]``) gets 0 there instead (Reshape's "copy this
    dimension of the input"), so the model runs on a stack of N images.

    :param source: the ``.onnx`` to convert.
    :param path: where to write the converted model.
    :param batch: the symbolic batch dimension's name.
    :return: the path written.
    """
    model = onnx.load(str(source))
    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    constants = {node.output[0]: node for node in graph.node if node.op_type == 'Constant'}
    for value in list(graph.input) + list(graph.output):
        if value.name in weights:
            continue
        dim = value.type.tensor_type.shape.dim[0]
        dim.ClearField('dim_value')
        dim.dim_param = batch
    for node in graph.node:
        if node.op_type != 'Reshape':
            continue
        name = node.input[1]
        if name in weights:
            shape = numpy_helper.to_array(weights[name]).copy()
            if shape.size and shape[0] == 1:
                shape[0] = 0
                weights[name].CopyFrom(numpy_helper.from_array(shape, name))
        elif name in constants:
            attr = constants[name].attribute[0]
            shape = numpy_helper.to_array(attr.t).copy()
            if shape.size and shape[0] == 1:
                shape[0] = 0
                attr.t.CopyFrom(numpy_helper.from_array(shape, name))
    del graph.value_info[:]   # shapes inferred for batch 1 would contradict a batch of N
    onnx.checker.check_model(model)
    path = Path(path)
    onnx.save(model, str(path))
    return path
