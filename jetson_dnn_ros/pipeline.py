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

"""The one data path: image → preprocess → backend → decode → result, with stage timings."""

from dataclasses import dataclass
from dataclasses import replace
import logging
import threading
import time
from typing import Any, Dict, Optional, Tuple, Union

from jetson_dnn_ros.backends import create_backend
from jetson_dnn_ros.backends import InferenceBackend
from jetson_dnn_ros.errors import BackendError
from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.models import DecodeParams
from jetson_dnn_ros.models import ModelDescriptor
from jetson_dnn_ros.models import resolve_model
from jetson_dnn_ros.models import resolve_path
from jetson_dnn_ros.preprocessing import GeometricTransform
from jetson_dnn_ros.preprocessing import Preprocessor
from jetson_dnn_ros.tasks.base import get_decoder
import numpy as np

LOG = logging.getLogger(__name__)

SIZED_PREPROCESSORS = 32
"""Most preprocessors kept for ``input_size`` sizes; more are closed and made again."""


@dataclass(frozen=True)
class StageTimings:
    """Wall-clock time of each pipeline stage for one image, in milliseconds."""

    preprocess_ms: float
    infer_ms: float
    decode_ms: float

    @property
    def total_ms(self) -> float:
        """Return the sum of the stages in milliseconds."""
        return self.preprocess_ms + self.infer_ms + self.decode_ms


@dataclass(frozen=True)
class Inference:
    """
    One processed image.

    :param result: the task's result dataclass, in source-image pixels.
    :param timings: per-stage :class:`StageTimings`.
    :param transform: the source → network :class:`GeometricTransform` used.
    :param outputs: the backend's raw output tensors by name, when asked for
        (``process(..., keep_outputs=True)``), else None.
    """

    result: Any
    timings: StageTimings
    transform: GeometricTransform
    outputs: Optional[Dict[str, np.ndarray]] = None


def _input_spec(descriptor: ModelDescriptor, backend: InferenceBackend):
    specs = backend.input_specs
    if descriptor.input_name is None:
        return specs[0]
    for spec in specs:
        if spec.name == descriptor.input_name:
            return spec
    raise ModelError(f'model {descriptor.name!r}: input {descriptor.input_name!r} not found; '
                     f'the model has {[s.name for s in specs]}')


class Pipeline:
    """
    Run one model on images.

    Thread-safe: calls are serialised, so a ROS executor and a parameter callback can share it.

    :param descriptor: the :class:`ModelDescriptor`.
    :param backend: an open backend for ``descriptor``'s model; the pipeline owns it and
        closes it in :meth:`close`.
    :param params: decoding settings; ``None`` = the descriptor's defaults.
    :raises ModelError: if the model's input does not match the descriptor's preprocessing
        spec or its outputs do not fit the decoder.
    """

    def __init__(self, descriptor: ModelDescriptor, backend: InferenceBackend,
                 params: Optional[DecodeParams] = None):
        self.descriptor = descriptor
        self.backend = backend
        self.labels = descriptor.load_labels()
        self.params = params or descriptor.params
        self.verification = None   # ParityResult of a verified TensorRT engine
        self._lock = threading.Lock()
        self._params_lock = threading.Lock()   # read-modify-write of params, not inference
        spec = descriptor.preprocess
        self.input = _input_spec(descriptor, backend)
        if not self.input.matches(spec.input_shape):
            raise ModelError(
                f'model {descriptor.name!r}: input {self.input.name!r} has shape '
                f'{self.input.shape} but the descriptor prepares {spec.input_shape} '
                f'({spec.layout}, {spec.width}x{spec.height}); fix input: in the descriptor')
        if np.dtype(spec.dtype) != self.input.dtype:
            spec = replace(spec, dtype=str(self.input.dtype))
        self.spec = spec
        self.decoder = get_decoder(descriptor.decoder)(descriptor, self.labels)
        if self.decoder.task != descriptor.task:
            raise ModelError(f'model {descriptor.name!r} is a {descriptor.task} model but '
                             f'decoder {descriptor.decoder!r} decodes {self.decoder.task}')
        self.decoder.check_outputs(backend.output_specs)
        self._preprocess = backend.create_preprocessor(spec) or Preprocessor(spec)
        self.input_size = InputSize.from_descriptor(descriptor, self.input)
        self._sized = {}   # (width, height) -> preprocessor, for input_size
        self._outside = set()   # input sizes outside the engine profile (warned once)
        self._size_of = {}   # source (W, H) -> network (W, H): one lookup per frame
        self.last_input_size: Optional[Tuple[int, int]] = None   # (W, H) of the last run
        self._batch_preprocess = None   # host-side preprocessor of batches, made on first use

    @classmethod
    def from_model(cls, model: Union[str, ModelDescriptor], backend: str = 'auto',
                   precision: str = 'fp16', model_file: Optional[str] = None,
                   params: Optional[DecodeParams] = None, download: bool = False,
                   decoder: Optional[str] = None, verify_engine: Optional[bool] = None,
                   max_batch: int = 1, input_size: Optional[str] = None,
                   **backend_options) -> 'Pipeline':
        """
        Build a pipeline from a model reference.

        :param model: a zoo name (``yolox_nano``), a descriptor ``.yaml``, an ``.onnx`` file
            (inspected: see :func:`~jetson_dnn_ros.models.resolve_model`) or a
            :class:`ModelDescriptor`.
        :param backend: ``auto``, ``onnxruntime``, ``tensorrt`` or ``triton`` (the model runs on
            a Triton server, see the ``triton_*`` options; no local file needed).
        :param precision: ``fp32``, ``fp16`` or ``int8`` (TensorRT).
        :param model_file: ONNX file to use instead of the descriptor's (paths as ``model``).
        :param params: decoding settings; ``None`` = the descriptor's defaults.
        :param download: fetch the model from its pinned URL if it is not local.
        :param decoder: decoder for an ambiguous ``.onnx`` (e.g. ``yolox``).
        :param verify_engine: run a TensorRT engine's parity gate against ONNX Runtime
            (:func:`jetson_dnn_ros.parity.verify_pipeline`); None = when ONNX Runtime imports.
        :param max_batch: most images per inference (several cameras): a TensorRT engine of
            a model with a dynamic batch dimension is built with a profile up to this batch
            (see :func:`engine_profile`); 1 = today's single-image engine.
        :param input_size: the network input size instead of the descriptor's: ``WxH``
            fixed, ``N`` a pixel budget per source aspect, empty/``auto`` the descriptor's
            (see :func:`apply_input_size`).
        :param backend_options: passed to :func:`~jetson_dnn_ros.backends.create_backend`.
        :raises ModelError: if the model cannot be found, loaded or decoded.
        :raises ~jetson_dnn_ros.parity.ParityError: if a TensorRT engine disagrees with ONNX
            Runtime (the message says which precision to fall back to).
        """
        if isinstance(model, ModelDescriptor):
            descriptor = model
            if model_file:
                from jetson_dnn_ros.paths import cache_dir, data_dir
                descriptor = descriptor.with_file(str(resolve_path(
                    model_file, search=descriptor.search_dirs() + (cache_dir(), data_dir()),
                    what='model file')))
        else:
            descriptor = resolve_model(model, model_file=model_file, decoder=decoder)
        descriptor = apply_input_size(descriptor, input_size)
        if backend == 'triton':
            return cls._from_triton(descriptor, params, backend_options)
        path = resolve_model_file(descriptor, download=download)
        # descriptor-level TensorRT options (dynamic input shapes, profile, workspace, DLA);
        # explicit keyword arguments win; create_backend passes them to TensorRT only
        backend_options = {**descriptor.tensorrt_options(), **backend_options}
        profile = engine_profile(descriptor, path, max_batch)
        if profile is not None and 'profile' not in backend_options \
                and 'input_shapes' not in backend_options:
            backend_options['profile'] = profile
        instance = create_backend(backend, str(path), precision=precision, **backend_options)
        try:
            pipeline = cls(descriptor, instance, params=params)
        except Exception:  # noqa: B902 - close the backend, then re-raise
            instance.close()
            raise
        if getattr(instance, 'name', '') == 'tensorrt':
            from jetson_dnn_ros import parity
            if verify_engine is None:
                verify_engine = parity.onnxruntime_available()
            if verify_engine:
                verified = False
                try:
                    pipeline.verification = parity.verify_pipeline(pipeline)
                    verified = True
                finally:
                    if not verified:   # refused or failed: free the engine before raising
                        pipeline.close()
        return pipeline

    @classmethod
    def _from_triton(cls, descriptor: ModelDescriptor, params, options) -> 'Pipeline':
        """
        Build a pipeline whose model runs on a Triton server (no local model file needed).

        The server's model (``triton_model``, default the descriptor name) must take and give
        what the descriptor's preprocessing and decoder expect; a mismatch is a
        :class:`BackendError` naming the server, the model and the difference.
        """
        options = {k: v for k, v in options.items() if k.startswith('triton_')}
        options['triton_model'] = options.get('triton_model') or descriptor.name
        instance = create_backend('triton', '', **options)
        try:
            return cls(descriptor, instance, params=params)
        except ModelError as exc:
            instance.close()
            raise BackendError(f'Triton model {instance.model!r} at {instance.url} does not '
                               f'match descriptor {descriptor.name!r}: {exc}') from exc
        except Exception:  # noqa: B902 - closed, then re-raised
            instance.close()
            raise

    @property
    def task(self) -> str:
        """Return the task name (``detection``, …)."""
        return self.descriptor.task

    def update_params(self, **changes) -> DecodeParams:
        """
        Change decoding settings at run time (thresholds, top_k, filter_mode, options).

        :raises ValueError: if a value is out of range; the old settings stay.
        """
        with self._params_lock:   # two concurrent updates must not drop each other's change
            params = self.params.replace(**changes)
            self.params = params
        return params

    def process(self, image: np.ndarray, encoding: str = 'bgr8',
                keep_outputs: bool = False) -> Inference:
        """
        Run the model on one image.

        :param image: (H, W[, C]) array in ``encoding`` (see :mod:`jetson_dnn_ros.image`).
        :param encoding: e.g. ``bgr8``, ``rgb8``, ``mono8``, ``yuv422``.
        :param keep_outputs: also return the raw output tensors (``jetson-dnn compare``).
        :return: :class:`Inference` with the result in source-image pixels.
        :raises ImageEncodingError: if the image does not match its encoding.
        :raises BackendError: if inference fails.
        :raises ModelError: if the outputs cannot be decoded.
        """
        with self._lock:
            t0 = time.perf_counter()
            pre = self._preprocessor_for(image)
            tensor, transform = pre(image, encoding)
            self.last_input_size = (pre.spec.width, pre.spec.height)
            inputs = {self.input.name: tensor}
            inputs.update(self.decoder.extra_inputs(transform, self.backend.input_specs))
            t1 = time.perf_counter()
            outputs = self.backend.infer(inputs)
            t2 = time.perf_counter()
            result = self.decoder.decode(outputs, transform, self.params)
            t3 = time.perf_counter()
        return Inference(result, StageTimings((t1 - t0) * 1e3, (t2 - t1) * 1e3,
                                              (t3 - t2) * 1e3), transform,
                         {k: np.array(v) for k, v in outputs.items()} if keep_outputs else None)

    def _preprocessor_for(self, image: np.ndarray):
        """Return the preprocessor for this image's size (``input_size`` picks per aspect)."""
        spec = self.spec_for(image)
        if spec is self.spec:
            return self._preprocess
        size = (spec.width, spec.height)
        pre = self._sized.get(size)
        if pre is None:
            # a camera has one size; a folder of photos has at most a few dozen on a grid
            # (26 for BodyPix's): bound the rest, freeing what a device preprocessor holds
            if len(self._sized) >= SIZED_PREPROCESSORS:
                for old in self._sized.values():
                    getattr(old, 'close', lambda: None)()
                self._sized.clear()
            pre = self._sized[size] = self.backend.create_preprocessor(spec) or \
                Preprocessor(spec)
        return pre

    def input_size_for(self, image: np.ndarray) -> Tuple[int, int]:
        """
        Return the network input (W, H) this image runs at.

        The descriptor's fixed size, or with ``input_size`` the size for the image's aspect;
        a size outside the backend's optimisation profile (a TensorRT engine built for other
        shapes) falls back to the fixed size, with one warning per size.

        :param image: (H, W[, C]) source image.
        """
        fixed = (self.spec.width, self.spec.height)
        if self.input_size is None or np.ndim(image) < 2:
            return fixed
        source = (int(image.shape[1]), int(image.shape[0]))
        size = self._size_of.get(source)
        if size is None:
            if len(self._size_of) >= 256:   # bounded: a camera has one source size
                self._size_of.clear()
            size = self._size_of[source] = self._checked_size(source)
        return size

    def spec_for(self, image: np.ndarray):
        """Return the :class:`PreprocessSpec` this image runs at (see :meth:`input_size_for`)."""
        width, height = self.input_size_for(image)
        if (width, height) == (self.spec.width, self.spec.height):
            return self.spec
        return replace(self.spec, width=width, height=height)

    def _checked_size(self, source: Tuple[int, int]) -> Tuple[int, int]:
        """Return the per-aspect size of a W × H source, or the fixed one outside the profile."""
        fixed = (self.spec.width, self.spec.height)
        size = self.input_size.for_image(*source)
        profile = (getattr(self.backend, 'profile', None) or {}).get(self.input.name)
        if profile is not None and size != fixed:
            shape = replace(self.spec, width=size[0], height=size[1]).input_shape
            lows, highs = profile[0][1:], profile[1][1:]
            if not all(lo <= d <= hi for d, lo, hi in zip(shape[1:], lows, highs)):
                if size not in self._outside:
                    self._outside.add(size)
                    LOG.warning('model %s: input %dx%d for a %dx%d image is outside the '
                                'engine profile (%s to %s); running at %dx%d. Rebuild the '
                                'engine (force_engine_update) to cover it', self.descriptor.name,
                                size[0], size[1], source[0], source[1],
                                profile[0], profile[1], fixed[0], fixed[1])
                return fixed
        return size

    def batch_capacity(self) -> int:
        """
        Return the most images one inference may take.

        :return: 1 when the input's batch dimension is static (or the model needs per-image
            extra inputs), the batch of the TensorRT optimisation profile's MAX shape for an
            engine, 0 (no limit of the model's own) for a dynamic batch on ONNX Runtime.
        """
        if not self.input.shape or self.input.shape[0] is not None:
            return 1
        if len(self.backend.input_specs) > 1:
            return 1
        profile = getattr(self.backend, 'profile', None) or {}
        if self.input.name in profile:
            return max(1, int(profile[self.input.name][1][0]))
        return 0

    def process_batch(self, frames) -> list:
        """
        Run the model once on several images stacked along the batch dimension.

        Each image is preprocessed on its own (its own letterbox transform), the tensors are
        stacked, the backend runs once, and each output is split along axis 0 and decoded per
        image, so every result equals :meth:`process` on that image (up to the backend's float
        rounding of a batched run). One image is simply :meth:`process`.

        :param frames: sequence of ``(image, encoding)`` pairs (see :meth:`process`).
        :return: one :class:`Inference` per frame, in order; each carries the batch's stage
            timings (every frame waited for the whole batch).
        :raises ModelError: if the model takes no batch (see :meth:`batch_capacity`), more
            frames than it takes are given, or an output does not have one row per image.
        :raises ImageEncodingError: if an image does not match its encoding.
        :raises BackendError: if inference fails.
        """
        frames = list(frames)
        if len(frames) == 1:
            return [self.process(*frames[0])]
        capacity = self.batch_capacity()
        if capacity == 1 or (capacity and len(frames) > capacity):
            raise ModelError(f'model {self.descriptor.name!r} takes at most {capacity} '
                             f'image(s) per inference, got {len(frames)}')
        sizes = {self.input_size_for(image) for image, _ in frames}
        if len(sizes) > 1:   # input_size: sources of other aspects cannot share one tensor
            return [self.process(*frame) for frame in frames]
        size = sizes.pop()
        with self._lock:
            # a device preprocessor fills one input only: batches are prepared on the host
            pre = self._batch_preprocess
            if pre is None or (pre.spec.width, pre.spec.height) != size:
                pre = self._batch_preprocess = Preprocessor(
                    replace(self.spec, width=size[0], height=size[1]))
            t0 = time.perf_counter()
            prepared, tensors = [], []
            self.last_input_size = size
            for image, encoding in frames:   # the preprocessor reuses its output buffer
                tensor, transform = pre(image, encoding)
                tensors.append(np.array(tensor, copy=True))
                prepared.append((tensor, transform))
            batch = np.concatenate(tensors, axis=0)
            t1 = time.perf_counter()
            outputs = self.backend.infer({self.input.name: batch})
            t2 = time.perf_counter()
            count = len(frames)
            for name, value in outputs.items():
                if np.ndim(value) == 0 or np.shape(value)[0] != count:
                    raise ModelError(f'model {self.descriptor.name!r}: output {name!r} has '
                                     f'shape {np.shape(value)} for a batch of {count}; '
                                     'batching needs one row per image')
            results = [self.decoder.decode({k: v[i:i + 1] for k, v in outputs.items()},
                                           transform, self.params)
                       for i, (_, transform) in enumerate(prepared)]
            t3 = time.perf_counter()
        timings = StageTimings((t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3)
        return [Inference(result, timings, transform)
                for result, (_, transform) in zip(results, prepared)]

    def run(self, image: np.ndarray, encoding: str = 'bgr8'):
        """Run the model on one image and return only the result (see :meth:`process`)."""
        return self.process(image, encoding).result

    def warmup(self, iterations: int = 2) -> None:
        """Run the model on a grey frame so the first real frame is not slow."""
        h, w = self.spec.height, self.spec.width
        frame = np.full((h, w, 3), 127, np.uint8)
        for _ in range(max(0, int(iterations))):
            self.process(frame, 'bgr8')

    def check_batching(self) -> Optional[str]:
        """
        Run one batch of two grey frames if :meth:`batch_capacity` says the model batches.

        A batch dimension in the input does not prove the outputs have one row per image
        (an NMS-in-graph export, a reshape fixed to 1): this finds out before the first frames.

        :return: None if batching works (or the model takes one image), else why it does not.
        """
        if self.batch_capacity() == 1:
            return None
        frame = np.full((self.spec.height, self.spec.width, 3), 127, np.uint8)
        try:
            self.process_batch([(frame, 'bgr8'), (frame, 'bgr8')])
        except Exception as exc:  # noqa: B902 - any failure means: run frames one by one
            return f'{type(exc).__name__}: {exc}'
        return None

    def close(self) -> None:
        """Close the backend and release its memory."""
        self.backend.close()

    def __enter__(self):
        """Return self."""
        return self

    def __exit__(self, *exc_info):
        """Close the pipeline."""
        self.close()
        return False


INPUT_SIZE_MAX_ASPECT = 2.0
"""Default widest source aspect (W/H, and H/W) :class:`InputSize` follows; a wider source is
letterboxed at this aspect, so a TensorRT profile covers every input size with bounded MIN/MAX
(2:1 covers 4:3, 16:9 and 3:2 cameras in either orientation)."""


@dataclass(frozen=True)
class InputSize:
    """
    Network input size picked per source image for models with dynamic height and width.

    Descriptor key ``input_size: {max_pixels: 308321, stride: 16, offset: 1}``: the input keeps
    the source aspect ratio on the model's grid (W = stride·i + offset, H = stride·j + offset,
    e.g. PoseNet/BodyPix at output stride 16) with W·H ≤ ``max_pixels`` (the cost: inference
    time grows about linearly with it). Without the key (or ``input_size: null``) the
    descriptor's fixed ``input`` width × height is used. Why a budget rather than a fixed size:
    README, "Defaults by measurement".

    :param max_pixels: pixel budget W·H of the network input.
    :param stride: grid step of W and H.
    :param offset: W and H are ``stride * k + offset``.
    :param max_aspect: sources wider (or taller) than this aspect ratio get the input of this
        aspect and are letterboxed into it (:data:`INPUT_SIZE_MAX_ASPECT`).
    """

    max_pixels: int
    stride: int = 1
    offset: int = 0
    max_aspect: float = INPUT_SIZE_MAX_ASPECT

    def __post_init__(self):
        if int(self.max_pixels) < (int(self.stride) + int(self.offset)) ** 2 or \
                int(self.stride) < 1 or int(self.offset) < 0 or \
                not 1.0 <= float(self.max_aspect) <= 16.0:
            raise ModelError(f'input_size {self} is not a usable budget/grid '
                             '(max_pixels >= (stride + offset)^2, stride >= 1, offset >= 0, '
                             '1 <= max_aspect <= 16)')

    @classmethod
    def from_mapping(cls, data, where: str = 'input_size') -> Optional['InputSize']:
        """
        Return the ``InputSize`` of a descriptor's ``input_size`` mapping, or None for none.

        :raises ModelError: if the mapping is malformed.
        """
        if not data:
            return None
        try:
            values = {k: (float(v) if k == 'max_aspect' else int(v))
                      for k, v in dict(data).items()}
            return cls(**values)
        except (TypeError, ValueError) as exc:
            raise ModelError(f'{where} {dict(data)} must be {{max_pixels, stride, offset}} '
                             f'integers (and optionally max_aspect): {exc}') from exc

    @classmethod
    def from_descriptor(cls, descriptor: ModelDescriptor, spec) -> Optional['InputSize']:
        """
        Return the descriptor's ``input_size``, or None.

        :param spec: the model input's :class:`~jetson_dnn_ros.backends.base.TensorSpec`
            (dynamic dimensions are not ints).
        :raises ModelError: if it is malformed, or the model's input H and W are static.
        """
        size = cls.from_mapping(descriptor.extras.get('input_size'),
                                f'model {descriptor.name!r}: input_size')
        if size is None:
            return None
        layout = descriptor.preprocess.layout
        hw = spec.shape[2:4] if layout == 'NCHW' else spec.shape[1:3]
        if any(isinstance(d, int) for d in hw):
            raise ModelError(f'model {descriptor.name!r}: input_size needs an input with '
                             f'dynamic height and width; {spec.name!r} is {spec.shape}; '
                             'use a fixed size instead (--input-size WxH, node parameter '
                             'input_size, or input: {width, height} in the descriptor)')
        return size

    def for_image(self, width: int, height: int) -> Tuple[int, int]:
        """
        Return the network (W, H) for a source of ``width`` × ``height`` pixels.

        The (W, H) on the grid closest to the source aspect (clamped to ``max_aspect``) within
        the budget: candidates whose aspect is within 10 % first, then the largest.
        """
        limit = float(self.max_aspect)
        aspect = min(max(max(int(width), 1) / max(int(height), 1), 1.0 / limit), limit)
        step, off = self.stride, self.offset
        j = max(int((np.sqrt(self.max_pixels / aspect) - off) // step), 1)
        candidates = []
        for jj in range(max(j - 1, 1), j + 2):
            h = step * jj + off
            i = max(int(round((h * aspect - off) / step)), 1)
            for ii in range(max(i - 1, 1), i + 2):
                w = step * ii + off
                if w * h <= self.max_pixels:
                    # aspect within 10 % first, then the largest input
                    candidates.append((abs(np.log(w / h / aspect)) > 0.1, -w * h, (w, h)))
        return min(candidates)[2] if candidates else (step + off, step + off)

    def bounds(self) -> Tuple[Tuple[int, int], Tuple[int, int]]:
        """
        Return ``((W min, H min), (W max, H max))`` over every source aspect.

        What a TensorRT optimisation profile must cover (:func:`engine_profile`): the sizes
        :meth:`for_image` gives from aspect 1/``max_aspect`` to ``max_aspect``.
        """
        limit = float(self.max_aspect)
        sizes = [self.for_image(int(round(1e4 * a)), 10000)
                 for a in np.exp(np.linspace(-np.log(limit), np.log(limit), 401))]
        widths, heights = [w for w, _ in sizes], [h for _, h in sizes]
        return (min(widths), min(heights)), (max(widths), max(heights))


def apply_input_size(descriptor: ModelDescriptor, text: Optional[str]) -> ModelDescriptor:
    """
    Return the descriptor with the user's input size (``--input-size``, node ``input_size``).

    :param text: empty / None / ``auto``: the descriptor's own choice; ``WxH`` (e.g.
        ``641x481``): a fixed network input, every image letterboxed or resized into it as the
        descriptor says (``input_size`` is dropped; W and H must be on its grid); ``N``
        (pixels, e.g. ``197505``): per source aspect within a budget of N pixels on the
        descriptor's ``input_size`` grid (see :class:`InputSize`).
    :raises ModelError: on text that is none of these, a ``WxH`` off the descriptor's
        ``input_size`` grid (BodyPix: 16k + 1; the message names the nearest size on it), or a
        pixel budget for a descriptor without ``input_size`` (its grid is unknown: most
        networks need multiples of their stride, which a descriptor states). A static input
        of another size fails when the pipeline is built.
    """
    text = str(text or '').strip().lower()
    if text in ('', 'auto'):
        return descriptor
    extras = dict(descriptor.extras)
    fixed = text.replace('×', 'x').split('x')
    try:
        if len(fixed) == 2:
            width, height = (int(v) for v in fixed)
            if width < 1 or height < 1:
                raise ValueError(text)
            _check_grid(descriptor, text, width, height)
            extras['input_size'] = None
            return replace(descriptor, extras=extras,
                           preprocess=replace(descriptor.preprocess, width=width, height=height))
        budget = int(text)
        if budget < 1:
            raise ValueError(text)
    except ValueError:
        raise ModelError(f'input size {text!r} is not WxH (e.g. 641x481), a pixel budget '
                         '(e.g. 308321) or auto') from None
    grid = InputSize.from_mapping(extras.get('input_size'))
    if grid is None:
        raise ModelError(f'input size {text!r}: a pixel budget needs the input grid of model '
                         f'{descriptor.name!r}, which its descriptor does not state; give a '
                         'fixed WxH, or add input_size: {max_pixels, stride, offset} to a '
                         'descriptor .yaml')
    extras['input_size'] = {'max_pixels': budget, 'stride': grid.stride, 'offset': grid.offset,
                            'max_aspect': grid.max_aspect}
    InputSize.from_mapping(extras['input_size'], f'input size {text!r}:')
    return replace(descriptor, extras=extras)


def _check_grid(descriptor: ModelDescriptor, text: str, width: int, height: int) -> None:
    """Raise ModelError if ``width`` × ``height`` is off the descriptor's ``input_size`` grid."""
    grid = InputSize.from_mapping(descriptor.extras.get('input_size'),
                                  f'model {descriptor.name!r}: input_size')
    if grid is None or not any((v - grid.offset) % grid.stride for v in (width, height)):
        return

    def nearest(value):
        k = max(int(round((value - grid.offset) / grid.stride)), 1)
        return grid.stride * k + grid.offset

    rule = f'{grid.stride}k' + (f' + {grid.offset}' if grid.offset else '')
    raise ModelError(f'input size {text!r}: model {descriptor.name!r} takes W and H = {rule} '
                     f'(nearest: {nearest(width)}x{nearest(height)}); off that grid its '
                     'outputs no longer line up with the input pixels')


def resolve_model_file(descriptor: ModelDescriptor, download: bool = False):
    """
    Return the local path of the descriptor's ONNX file.

    Looks in the descriptor's folder, the cache and ``$JETSON_DNN_DATA``; with ``download``
    it fetches the pinned URL into the cache (see :mod:`jetson_dnn_ros.zoo`).

    :raises ModelError: if the file is not local and cannot (or may not) be downloaded.
    """
    path = descriptor.model_path()
    if path is not None:
        return path
    if download and descriptor.url:
        from jetson_dnn_ros.zoo import pull
        return pull(descriptor)
    from jetson_dnn_ros.paths import cache_dir, data_dir
    places = [str(d) for d in descriptor.search_dirs()] + [str(cache_dir()), str(data_dir())]
    hint = (f'run `jetson-dnn models pull {descriptor.name}`' if descriptor.url else
            'put the file in one of those folders (or set JETSON_DNN_DATA), or give its path '
            '(--model-file on the command line, the model_file_path parameter in ROS)')
    raise ModelError(f'model file {descriptor.file!r} of {descriptor.name!r} not found in '
                     f'{", ".join(places)}; {hint}')


def engine_profile(descriptor: ModelDescriptor, path, max_batch: int = 1):
    """
    Return the TensorRT profile for the batch and input sizes the pipeline will feed, or None.

    Covers 1 to ``max_batch`` images for an image input with a dynamic batch dimension, and,
    for a descriptor with ``input_size`` and an input with dynamic H and W, every size
    :meth:`InputSize.for_image` picks (:meth:`InputSize.bounds`; OPT = the descriptor's
    ``input`` width × height, clamped into those bounds when a smaller budget excludes it).
    Only for a model whose image input is its only input and whose
    descriptor sets no ``tensorrt: profile`` or ``input_shapes`` of its own.

    :param descriptor: the model descriptor (its preprocessing gives C, H, W and the layout).
    :param path: the ONNX file.
    :param max_batch: the largest batch; <= 1 = one image.
    :return: ``{input name: (MIN, OPT, MAX)}`` shapes in the input's layout, or None when
        nothing is dynamic to cover (the engine is built for the descriptor's shape).
    :raises ModelError: if the file is not an ONNX model or ``input_size`` is malformed.
    """
    section = descriptor.extras.get('tensorrt', None) or {}
    if 'profile' in section or 'input_shapes' in section:
        return None
    from jetson_dnn_ros.inspection import load_onnx
    graph = load_onnx(path).graph
    weights = {init.name for init in graph.initializer}
    inputs = [value for value in graph.input if value.name not in weights]
    if len(inputs) != 1:
        return None
    value = inputs[0]
    dims = value.type.tensor_type.shape.dim
    shape = tuple(int(d) for d in descriptor.preprocess.input_shape)
    if len(dims) != len(shape):
        return None

    def dynamic(index):
        return not (dims[index].HasField('dim_value') and dims[index].dim_value > 0)

    batch = int(max_batch) if dynamic(0) and int(max_batch) > 1 else shape[0]
    hw = (2, 3) if descriptor.preprocess.layout == 'NCHW' else (1, 2)
    size = InputSize.from_mapping(descriptor.extras.get('input_size'),
                                  f'model {descriptor.name!r}: input_size')
    if size is None or not all(dynamic(i) for i in hw):
        if batch == shape[0]:
            return None
        most = (batch,) + shape[1:]
        return {value.name: ((1,) + shape[1:], most, most)}
    (w_lo, h_lo), (w_hi, h_hi) = size.bounds()
    low, opt, high = [1] + list(shape[1:]), [batch] + list(shape[1:]), [batch] + list(shape[1:])
    for index, lo, hi in ((hw[0], h_lo, h_hi), (hw[1], w_lo, w_hi)):
        low[index], high[index] = lo, hi
        opt[index] = min(max(shape[index], lo), hi)
    return {value.name: (tuple(low), tuple(opt), tuple(high))}
