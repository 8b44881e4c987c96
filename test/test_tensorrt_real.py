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
The TensorRT backend on a real TensorRT and GPU (skipped elsewhere; ``pytest -m tensorrt``).

Builds engines for a real model and compares their outputs with ONNX Runtime's within fp16
tolerance, through the backend alone and through the pipeline with GPU preprocessing.
"""

from jetson_dnn_ros.models import get_descriptor
from jetson_dnn_ros.preprocessing import preprocess
import numpy as np
import pytest

# no module-level skip: a skip while importing this module skipped the whole test folder under
# launch_testing's pytest plugin; the fixture ``engines`` skips only these tests
pytestmark = [pytest.mark.tensorrt, pytest.mark.gpu]
MOBILENET = 'models/classification/mobilenet_v2_1.0_224_fp32.onnx'


@pytest.fixture(scope='module')
def engines(tmp_path_factory):
    """
    Return a folder for the engines, or skip without the real TensorRT and pycuda.

    :return: a fresh temporary folder (``pathlib.Path``).
    """
    trt = pytest.importorskip('tensorrt')
    pytest.importorskip('pycuda.driver')
    if 'standins_trt' in str(getattr(trt, '__file__', '')):
        pytest.skip('tensorrt is the test stand-in, not the real one')
    return tmp_path_factory.mktemp('engines')


@pytest.mark.parametrize('precision,atol', [('fp32', 1e-2), ('fp16', 0.15)])
def test_engine_matches_onnxruntime(data_dir, photo, engines, precision, atol):
    from jetson_dnn_ros.backends.onnxruntime import OnnxRuntimeBackend
    from jetson_dnn_ros.backends.tensorrt import TensorRTBackend
    spec = get_descriptor('mobilenet_v2_1001').preprocess
    model = str(data_dir / MOBILENET)
    with TensorRTBackend(model, precision=precision, engine_cache_dir=str(engines)) as backend, \
            OnnxRuntimeBackend(model) as ort:
        for name in ('dog_0', 'cat_0', 'peds_0'):
            tensor, _ = preprocess(photo(name), 'bgr8', spec)
            got = backend.infer({'input': tensor})['logits'].copy()
            want = ort.infer({'input': tensor})['logits']
            assert int(np.argmax(got)) == int(np.argmax(want))
            np.testing.assert_allclose(got, want, atol=atol * max(1.0, np.abs(want).max() / 10))


def test_pipeline_with_gpu_preprocessing(data_dir, photo, engines):
    from jetson_dnn_ros.pipeline import Pipeline
    with Pipeline.from_model('mobilenet_v2_1001', backend='tensorrt',
                             engine_cache_dir=str(engines)) as gpu, \
            Pipeline.from_model('mobilenet_v2_1001', backend='onnxruntime') as cpu:
        for name in ('dog_0', 'polar_bear'):
            got, want = gpu.run(photo(name)), cpu.run(photo(name))
            assert int(got.class_ids[0]) == int(want.class_ids[0])
            np.testing.assert_allclose(got.scores[0], want.scores[0], atol=0.05)
