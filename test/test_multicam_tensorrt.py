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
Batches of several cameras on the TensorRT backend (issue 11 item 1), on the TensorRT stand-in.

The stand-in engine runs the ONNX model with ONNX Runtime on the bytes in simulated device
memory; the expected values are ONNX Runtime's single-frame results of the unchanged model.
"""

from jetson_dnn_ros.errors import ModelError
import numpy as np
from onnxgen import make_batch_dynamic
import pytest
from standins_trt import real_tensorrt_present
import test_tensorrt_backend

pytestmark = pytest.mark.skipif(real_tensorrt_present(),
                                reason='real TensorRT installed: see test_tensorrt_real.py')
standin = test_tensorrt_backend.standin   # the fixture: the stand-ins, for this module only


def test_engine_profile_up_to_max_batch_and_batched_results(standin, data_dir, photo,
                                                            tmp_path):
    from jetson_dnn_ros.pipeline import Pipeline
    model = make_batch_dynamic(data_dir / 'models' / 'detection' / 'yolox_nano.onnx',
                               tmp_path / 'yolox_nano_batch.onnx')
    images = [photo(name) for name in ('humans_0', 'dog_0', 'city_0')]
    trt_pipe = Pipeline.from_model('yolox_nano', backend='tensorrt', model_file=str(model),
                                   max_batch=3, engine_cache_dir=str(tmp_path / 'engines'),
                                   progress=False)
    reference = Pipeline.from_model('yolox_nano', backend='onnxruntime')
    with trt_pipe, reference:
        assert trt_pipe.backend.profile['images'] == ((1, 3, 416, 416), (3, 3, 416, 416))
        assert trt_pipe.batch_capacity() == 3
        batch = trt_pipe.process_batch([(image, 'bgr8') for image in images])
        for image, inference in zip(images, batch):
            want = reference.process(image).result
            assert len(inference.result.boxes) == len(want.boxes) > 0
            np.testing.assert_array_equal(inference.result.class_ids, want.class_ids)
            np.testing.assert_allclose(inference.result.boxes, want.boxes, atol=1e-2)
            np.testing.assert_allclose(inference.result.scores, want.scores, atol=1e-4)
        single = trt_pipe.process(images[0]).result   # batch 1 is inside the profile too
        np.testing.assert_allclose(single.boxes, batch[0].result.boxes, atol=1e-3)
        with pytest.raises(ModelError, match='at most 3 image'):
            trt_pipe.process_batch([(images[0], 'bgr8')] * 4)


def test_static_model_keeps_its_single_image_engine(standin, data_dir, tmp_path):
    from jetson_dnn_ros.pipeline import Pipeline
    with Pipeline.from_model('yolox_nano', backend='tensorrt', max_batch=4, progress=False,
                             engine_cache_dir=str(tmp_path)) as pipeline:
        assert pipeline.batch_capacity() == 1
        assert pipeline.backend.profile['images'] == ((1, 3, 416, 416), (1, 3, 416, 416))
