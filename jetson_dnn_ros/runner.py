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
The ``jetson-dnn run`` loop: frames in, results out, every frame accounted for.

Output modes (``--format``):

* ``dir``: ``<name>.jpg`` overlay + ``<name>.json`` per frame, plus dense maps
  (``<name>_classes.png`` class ids for segmentation; ``<name>_depth_mm.png`` 16-bit millimetres
  for metric depth and ``<name>_depth.npy`` float32 for any depth);
* ``jsonl``: the same files, with one ``results.jsonl`` instead of the ``.json`` files;
* ``video``: an annotated ``<stem>.mp4`` (input fps and size) + ``results.jsonl`` (default for a
  video, camera or stream input);
* ``bag``: a result bag (default for a bag input);
* ``file``: one image in, one overlay file out (``--output x.jpg``) + ``x.json``.

Every output is staged (:class:`jetson_dnn_ros.outputs.Staged`) and appears only when the run
succeeds. Exit status (:data:`EXIT_OK` …): 0 = every input frame processed and written; 1 = the
run failed (nothing kept); 2 = the run finished but frames were skipped (undecodable, failed) or
lost (damaged storage); 130 = interrupted (Ctrl-C) on a finite input (nothing kept). A camera
or stream ends with Ctrl-C: what was captured is kept and summarised.
"""

import json
from pathlib import Path
import sys
import time
from typing import Callable, Dict, Optional

from jetson_dnn_ros import outputs
from jetson_dnn_ros.errors import JetsonDnnError
from jetson_dnn_ros.errors import ModelError
import numpy as np

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_PARTIAL = 2
EXIT_INTERRUPTED = 130
IMAGE_OUT_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')
FORMATS = ('auto', 'dir', 'jsonl', 'video', 'bag')
STAGES = (('preprocess', 'preprocess'), ('infer', 'inference'), ('decode', 'postprocess'),
          ('output', 'overlay+write'))


class RunStats:
    """
    Counts and stage timings of one run.

    :ivar processed: frames processed and written.
    :ivar skipped: frames read but not processed (undecodable, failed in the model).
    :ivar lost: callable giving the frames the input storage could not give back.
    """

    def __init__(self):
        self.processed = 0
        self.skipped = 0
        self.lost: Callable[[], int] = lambda: 0
        self.ms: Dict[str, float] = {key: 0.0 for key, _ in STAGES}
        self.started = time.perf_counter()

    def add(self, timings, output_ms: float) -> None:
        """Add one processed frame's :class:`~jetson_dnn_ros.pipeline.StageTimings`."""
        self.processed += 1
        self.ms['preprocess'] += timings.preprocess_ms
        self.ms['infer'] += timings.infer_ms
        self.ms['decode'] += timings.decode_ms
        self.ms['output'] += output_ms

    def exit_code(self) -> int:
        """Return 1 when nothing was processed, 2 when frames were skipped or lost, else 0."""
        if self.processed == 0:
            return EXIT_FAILED
        return EXIT_PARTIAL if self.skipped or self.lost() else EXIT_OK

    def summary(self) -> str:
        """Return the counts line: processed / skipped / lost."""
        return (f'{self.processed} frame(s) processed, {self.skipped} skipped, '
                f'{self.lost()} lost')

    def speed(self) -> Optional[str]:
        """Return the per-stage speed line (ms per image and fps), or None before any frame."""
        if not self.processed:
            return None
        n = self.processed
        parts = ', '.join(f'{self.ms[key] / n:.1f} ms {name}' for key, name in STAGES)
        elapsed = time.perf_counter() - self.started
        return f'Speed: {parts} per image; {n / elapsed:.1f} fps end to end ({n} in ' \
               f'{elapsed:.1f} s)'


def describe(result) -> str:
    """Return a short text of a result for the console (counts per class or the top class)."""
    task = getattr(result, 'task', '')
    if task == 'classification':
        if len(result.scores) == 0:
            return 'no class'
        return f'{result.labels[0]} {float(result.scores[0]):.2f}'
    if task == 'detection' or hasattr(result, 'boxes'):
        counts: Dict[str, int] = {}
        for label in result.labels:
            counts[label] = counts.get(label, 0) + 1
        return ', '.join(f'{n} {label}' for label, n in counts.items()) or 'no detections'
    if task == 'pose':
        return f'{len(result.persons)} person(s)'
    if task == 'segmentation':
        present = sorted(((float(result.class_fractions[c]), int(c))
                          for c in result.present_classes()), reverse=True)[:3]
        from jetson_dnn_ros.labels import label_of
        return ', '.join(f'{label_of(result.labels, c)} {f:.0%}' for f, c in present)
    if task == 'depth':
        d = result.to_dict()
        if d['min'] is None:
            return 'no valid depth'
        unit = ' m' if result.kind == 'metric' else ''
        return f'depth {d["min"]:.2f}..{d["max"]:.2f}{unit}'
    return task


def dense_files(folder: Path, name: str, result) -> Dict[str, str]:
    """
    Write a result's dense maps beside its JSON; return ``{kind: file name}``.

    Segmentation: ``<name>_classes.png`` (8- or 16-bit class ids). Depth: ``<name>_depth.npy``
    (float32, metres or relative) and, for metric depth, ``<name>_depth_mm.png`` (uint16
    millimetres; 0 = invalid or beyond 65.535 m).
    """
    task = getattr(result, 'task', '')
    files = {}
    if task == 'segmentation':
        class_map = np.asarray(result.class_map)
        if class_map.dtype not in (np.uint8, np.uint16):
            class_map = class_map.astype(np.uint16)
        files['class_map'] = f'{name}_classes.png'
        outputs.write_image(folder / files['class_map'], class_map)
    elif task == 'depth':
        depth = np.asarray(result.depth, np.float32)
        files['depth_npy'] = f'{name}_depth.npy'
        with open(folder / files['depth_npy'], 'wb') as stream:
            np.save(stream, depth)
        if result.kind == 'metric':
            mm = np.nan_to_num(depth * 1000.0, nan=0.0, posinf=0.0, neginf=0.0)
            mm[(mm < 0) | (mm > 65535)] = 0
            files['depth_mm_png'] = f'{name}_depth_mm.png'
            outputs.write_image(folder / files['depth_mm_png'], np.rint(mm).astype(np.uint16))
    return files


class FolderSink:
    """
    Write results into a (staged) folder: ``dir``, ``jsonl`` or ``video`` mode.

    :param folder: the folder to create and fill.
    :param mode: ``dir``, ``jsonl`` or ``video``.
    :param video_name: file stem of the annotated video (``video`` mode).
    :param fps: frame rate of the annotated video when the frames carry none (images).
    :param mark: write :data:`~jetson_dnn_ros.outputs.RESULTS_MARKER` (a new folder, not one
        added to), so that ``--overwrite`` may replace it later.
    """

    def __init__(self, folder: Path, mode: str, video_name: str = 'video', fps: float = 30.0,
                 mark: bool = True):
        self.folder = folder
        self.mode = mode
        self.folder.mkdir(parents=True, exist_ok=True)
        if mark:
            (folder / outputs.RESULTS_MARKER).write_text(
                json.dumps({'written_by': 'jetson-dnn run', 'format': mode}) + '\n',
                encoding='utf-8')
        self._jsonl = open(folder / 'results.jsonl', 'w', encoding='utf-8') \
            if mode in ('jsonl', 'video') else None
        self._video = None
        self._video_path = folder / f'{video_name}.mp4'
        self._video_size = None
        self.fps = fps

    def write(self, frame, record: dict, result, overlay: Optional[np.ndarray]) -> None:
        """Write one frame's record, overlay and dense maps."""
        if self.mode == 'video':
            self._write_video(frame, overlay)
        else:
            if overlay is not None:
                outputs.write_image(self.folder / f'{frame.name}.jpg', overlay)
            files = dense_files(self.folder, frame.name, result)
            if files:
                record['files'] = files
        text = json.dumps(record)
        if self._jsonl is not None:
            self._jsonl.write(text + '\n')
        else:
            (self.folder / f'{frame.name}.json').write_text(text + '\n', encoding='utf-8')

    def _write_video(self, frame, overlay) -> None:
        import cv2
        from jetson_dnn_ros.image import to_bgr8
        image = overlay if overlay is not None else to_bgr8(frame.image, frame.encoding)
        size = (image.shape[1], image.shape[0])
        if self._video is None:
            self._video = cv2.VideoWriter(str(self._video_path),
                                          cv2.VideoWriter_fourcc(*'mp4v'),
                                          frame.fps or self.fps, size)
            if not self._video.isOpened():
                raise outputs.OutputError(f'cannot write {self._video_path}: OpenCV has no '
                                          'mp4v encoder here (use --format jsonl)')
            self._video_size = size
        if size != self._video_size:
            image = cv2.resize(image, self._video_size)
        self._video.write(np.ascontiguousarray(image))

    def close(self) -> None:
        """Finish results.jsonl and the video (raise on a write failure)."""
        if self._jsonl is not None:
            jsonl, self._jsonl = self._jsonl, None
            jsonl.close()
        if self._video is not None:
            video, self._video = self._video, None
            video.release()
            if not self._video_path.is_file() or self._video_path.stat().st_size == 0:
                raise outputs.OutputError(f'cannot write {self._video_path}: the encoder '
                                          'wrote nothing (disk full?)')


class BagSink:
    """A :class:`~jetson_dnn_ros.bag.BagResultWriter` with the camera's intrinsics (or None)."""

    def __init__(self, writer, camera_info):
        self.writer = writer
        self.camera_info = camera_info

    def write(self, frame, result, overlay: Optional[np.ndarray]) -> None:
        """Write one result at the source message's timestamp, in its namespace."""
        self.writer.write(result, frame.header, frame.timestamp_ns, frame.topic, overlay,
                          frame.image, frame.encoding, self.camera_info)

    def close(self) -> None:
        """Finish the bag."""
        self.writer.close()

    def abort(self) -> None:
        """Drop the bag."""
        self.writer.abort()


class FileSink:
    """
    ``--output x.jpg`` for one image: the overlay to that file and its JSON to ``x.json``.

    Both are staged in the run's :class:`~jetson_dnn_ros.outputs.Staged` (the JSON as its
    companion, :meth:`~jetson_dnn_ros.outputs.Staged.also`) and appear together or not at all:
    the image is committed first and the JSON, the "complete" marker, last; a failure of either
    leaves an earlier ``x.jpg``/``x.json`` pair as it was.
    """

    def __init__(self, stage: outputs.Staged):
        self.path = stage.path
        self.final = stage.final
        self.json_path = stage.also(stage.final.with_suffix('.json'))
        self.image = None
        self.record = None

    def write(self, frame, record: dict, result, overlay: Optional[np.ndarray]) -> None:
        """Keep the frame's overlay (the frame itself without one) and record."""
        from jetson_dnn_ros.image import to_bgr8
        self.image = overlay if overlay is not None else to_bgr8(frame.image, frame.encoding)
        self.record = record

    def close(self) -> None:
        """Write the image and the JSON into their staged paths (committed by the stage)."""
        self.path.write_bytes(outputs.encode_image(self.final, self.image))
        self.json_path.write_text(json.dumps(self.record) + '\n', encoding='utf-8')


def plan(args, kind: str, task: str, model_name: str):
    """
    Return ``(mode, output path, bag storage)`` for the run's options and input kind.

    :raises ModelError: on a format the input cannot give (a bag needs a bag input, a single
        output image needs a single image input).
    """
    from jetson_dnn_ros.cli import BAG_SUFFIXES, bag_target, PROG
    out = Path(args.output).expanduser() if args.output else None
    fmt = args.format
    if fmt == 'auto':
        if kind == 'bag' or (out is not None and (out.suffix in BAG_SUFFIXES
                                                  or out.name.endswith('_bag'))):
            fmt = 'bag'
        elif out is not None and out.suffix.lower() in IMAGE_OUT_SUFFIXES:
            fmt = 'file'
        elif kind in ('video', 'camera'):
            fmt = 'video'
        else:
            fmt = 'dir'
    if args.storage and fmt != 'bag':
        raise ModelError(f'--storage {args.storage} is for a result bag; this run writes a '
                         f'{fmt} output. Drop --storage')
    if fmt == 'bag' and kind != 'bag':
        raise ModelError(f'a result bag needs a bag input; record one first with `{PROG} bag '
                         f'from-images {args.input} <bag>` or write to a folder')
    from jetson_dnn_ros.media import VIDEO_SUFFIXES
    if out is not None and out.suffix.lower() in VIDEO_SUFFIXES:
        raise ModelError(f'--output {out} names a video file; give a folder: the annotated '
                         'video goes into it (<input name>.mp4) with results.jsonl')
    if fmt == 'file' and kind != 'image':
        raise ModelError(f'--output {out} names one image file, but the input is a {kind}; '
                         'give a folder as --output')
    if out is None:
        out = outputs.next_run_dir(args.project, task, model_name)
    storage = None
    if fmt == 'bag':
        out, storage = bag_target(out, args.storage)
    return fmt, out, storage


def run(args, open_pipeline: Callable, err: Callable[[str], None]) -> int:
    """
    Run ``jetson-dnn run``; return the exit status (see the module docstring).

    :param args: the parsed ``run`` options.
    :param open_pipeline: ``fn(args) -> Pipeline``.
    :param err: writes one line to stderr.
    """
    from jetson_dnn_ros import bag
    from jetson_dnn_ros import media
    from jetson_dnn_ros.overlay import OverlayOptions
    kind = media.input_kind(args.input)  # FileNotFoundError before loading the model
    if kind in ('dir', 'glob'):
        media.require_images(args.input)
    topic = None
    if args.topic and kind != 'bag':
        raise ModelError(f'--topic is for a bag input; {args.input} is a {kind} input. Drop '
                         '--topic')
    if kind == 'bag':  # a wrong --topic fails before anything is opened or written
        topic = args.topic or bag.default_image_topic(args.input)
        if topic not in dict(bag.image_topics(args.input)):
            raise ModelError(f'--topic {topic!r} is not an Image/CompressedImage topic of '
                             f'{args.input}; image topics: '
                             f'{[t for t, _ in bag.image_topics(args.input)]}')
    try:
        options = OverlayOptions.parse(args.overlay, args.alpha)
    except ValueError as exc:
        raise ModelError(f'bad --overlay/--alpha: {exc}') from exc
    want_overlay = 'none' not in options.flags
    # refused options and outputs cost no model load (nor a TensorRT engine build)
    target = plan(args, kind, '', '')
    if args.output:
        _check_output(args, *target)
    pipeline = open_pipeline(args)
    try:
        fmt, out, storage = plan(args, kind, pipeline.task, pipeline.descriptor.name)
        _check_output(args, fmt, out, storage)
        return _loop(args, pipeline, kind, topic, (fmt, out, storage), options, want_overlay,
                     err)
    finally:
        pipeline.close()


def _check_output(args, fmt, out, storage) -> None:
    """
    Refuse, before any work, an output (and the ``x.json`` beside ``--output x.jpg``) in the way.

    :raises OutputError: as :func:`~jetson_dnn_ros.outputs.check_output`.
    """
    kind = fmt if fmt in ('bag', 'file') else 'folder'
    # the default runs/… inside a folder read flat (not a */ glob) is never read back
    text = str(args.input)
    wild = [text.index(c) for c in '*?[' if c in text]
    flat = not wild or '/' not in text[min(wild):]
    outputs.check_output(out, args.input, args.overwrite,
                         args.exist_ok or (not args.output and flat), kind)
    if fmt == 'file':
        outputs.check_output(out.with_suffix('.json'), args.input, args.overwrite, kind='file')


def _loop(args, pipeline, kind, topic, target, options, want_overlay, err) -> int:
    from jetson_dnn_ros import bag
    from jetson_dnn_ros import media
    fmt, out, storage = target
    stats = RunStats()
    read = bag.ReadStats()
    stats.lost = lambda: read.lost
    live = kind == 'camera'

    def on_error(name, exc):
        if isinstance(exc, bag.StorageDamage):
            err(f'damaged input at {name}: {exc}')
            return
        stats.skipped += 1
        err(f'skipped {name}: {exc}')

    try:
        total = media.count_frames(args.input, topic)
    except JetsonDnnError:
        total = None
    quiet = args.quiet
    # one line per frame ("3/44 name: 2 person, 1 car (12.3 ms)") is the progress display
    say = (lambda text: None) if quiet else (lambda text: print(text, file=sys.stderr,
                                                                flush=True))
    inputs = media.image_files(args.input) if kind in ('image', 'dir', 'glob') else \
        [Path(str(args.input))] if kind == 'video' else []
    stage = outputs.Staged(out, replace=args.overwrite,
                           merge=args.exist_ok and out.is_dir() and fmt != 'bag',
                           protect=inputs)
    interrupted = False
    sink = None
    try:
        with stage:
            sink = _open_sink(args, pipeline, fmt, stage, kind, topic, storage)
            frames = media.iter_frames(args.input, topic, on_error, read, args.max_pixels)
            try:
                for index, frame in enumerate(frames):
                    _one(pipeline, frame, index, total, sink, fmt, options, want_overlay, stats,
                         on_error, say)
            except KeyboardInterrupt:
                interrupted = True
                if not live:
                    raise
            if stats.processed == 0:
                raise _NothingDone()
            sink.close()
    except _NothingDone:
        _abort_sink(sink)
        err(f'0 frame(s) processed ({stats.skipped} skipped, {stats.lost()} lost); nothing '
            f'was written to {out}')
        return EXIT_FAILED
    except KeyboardInterrupt:
        _abort_sink(sink)
        err(f'interrupted after {stats.summary()}; nothing was kept at {out} (an interrupted '
            'run is incomplete); the input is untouched')
        return EXIT_INTERRUPTED
    except (outputs.OutputError, OSError) as exc:
        _abort_sink(sink)
        text = str(exc) if isinstance(exc, outputs.OutputError) else \
            str(outputs.os_error('write', out, exc))
        err(f'{text}; {stats.processed} frame(s) had been processed, nothing was kept at {out}; '
            'the input is untouched')
        return EXIT_FAILED
    speed = stats.speed()
    if speed and not quiet:
        err(speed)
    note = ' (stopped by Ctrl-C)' if interrupted else ''
    err(f'{stats.summary()}{note} -> {out}')
    return stats.exit_code()


class _NothingDone(Exception):
    """No frame was processed: the staged output is dropped."""


def _open_sink(args, pipeline, fmt, stage, kind, topic, storage):
    from jetson_dnn_ros import bag
    if fmt == 'bag':
        camera_info = None
        if pipeline.task == 'depth':
            camera_info = bag.camera_info_for(args.input, topic)
        # the model's own palette colours the masks (result.color_mask)
        writer = bag.BagResultWriter(stage.path, storage, labels=pipeline.labels,
                                     score_threshold=pipeline.params.score_threshold)
        return BagSink(writer, camera_info)
    if fmt == 'file':
        return FileSink(stage)
    name = 'camera' if kind == 'camera' else Path(str(args.input)).stem or 'video'
    return FolderSink(stage.path, fmt, name, mark=not stage.merge)


def _abort_sink(sink) -> None:
    try:
        if hasattr(sink, 'abort'):
            sink.abort()
        elif isinstance(sink, FolderSink):
            sink.close()
    except Exception:  # noqa: B902 - the staged folder is deleted anyway
        pass


def _one(pipeline, frame, index, total, sink, fmt, options, want_overlay, stats, on_error,
         say) -> None:
    from jetson_dnn_ros.image import to_bgr8
    from jetson_dnn_ros.overlay import draw
    try:
        inference = pipeline.process(frame.image, frame.encoding)
        result = inference.result
        t0 = time.perf_counter()
        overlay = draw(to_bgr8(frame.image, frame.encoding), result, options) \
            if want_overlay or fmt == 'video' else None
    except outputs.OutputError:
        raise
    except (JetsonDnnError, ValueError) as exc:
        on_error(frame.name, exc)
        return
    timings = inference.timings
    if fmt == 'bag':
        try:
            sink.write(frame, result, overlay)
        except outputs.OutputError:
            raise
        except ValueError as exc:
            on_error(frame.name, exc)
            return
    else:
        record = {'name': frame.name, 'source': frame.source,
                  'header': frame.header.to_dict() if frame.header else None,
                  'timings_ms': {'preprocess': timings.preprocess_ms,
                                 'infer': timings.infer_ms, 'decode': timings.decode_ms},
                  **result.to_dict()}
        sink.write(frame, record, result, overlay if (want_overlay or fmt == 'video') else None)
    output_ms = (time.perf_counter() - t0) * 1e3
    stats.add(timings, output_ms)
    position = f'{index + 1}/{total}' if total else f'{index + 1}'
    say(f'{position} {frame.name}: {describe(result)} ({timings.total_ms:.1f} ms)')


__all__ = ['EXIT_FAILED', 'EXIT_INTERRUPTED', 'EXIT_OK', 'EXIT_PARTIAL', 'FORMATS',
           'RunStats', 'describe', 'dense_files', 'plan', 'run']
