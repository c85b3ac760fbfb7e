"""The animated PNG writer: the file parses as an APNG (acTL's frame count, every
fcTL's rectangle, every CRC) and its frames, put together, are the frames written."""

import struct
import zlib

import numpy as np
import pytest

from bpsim import apng


def _frames(count, width=40, height=30, seed=0):
    """White frames, each with a coloured block at its own place."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(count):
        frame = np.full((height, width, 4), 255, dtype=np.uint8)
        x, y = rng.integers(0, width - 8), rng.integers(0, height - 6)
        frame[y:y + 6, x:x + 8, :3] = rng.integers(0, 256, size=3, dtype=np.uint8)
        frames.append(frame)
    return frames


def _composed(path):
    """Every frame as a viewer shows it: each fcTL's rectangle, un-filtered, put over
    the frame before (dispose none, blend source: what the writer declares)."""
    data = path.read_bytes()
    position, chunks = 8, []
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunks.append((kind, data[position + 8:position + 8 + length]))
        position += 12 + length
    width, height = struct.unpack(">II", chunks[0][1][:8])
    canvas = np.zeros((height, width, 4), dtype=np.uint8)
    shown, pending = [], None

    def put(control, stream):
        _seq, w, h, x, y, _n, _d, dispose, blend = struct.unpack(">IIIIIHHBB", control)
        assert (dispose, blend) == (0, 0)
        lines = np.frombuffer(zlib.decompress(stream), dtype=np.uint8).reshape(h, 1 + 4 * w)
        assert set(lines[:, 0]) <= {2}  # the Up filter on every row
        # Up: raw row = filtered row + raw row above (mod 256): a running sum
        rows = np.cumsum(lines[:, 1:].astype(np.int64), axis=0) % 256
        canvas[y:y + h, x:x + w] = rows.reshape(h, w, 4)
        shown.append(canvas.copy())

    for kind, body in chunks:
        if kind == b"fcTL":
            if pending is not None:
                put(*pending)
            pending = [body, b""]
        elif kind == b"IDAT":
            pending[1] += body
        elif kind == b"fdAT":
            pending[1] += body[4:]
    put(*pending)
    return shown


def test_frame_count_sizes_and_delays_as_written(tmp_path):
    frames = _frames(7)
    path = tmp_path / "run.png"
    delays = [100, 200, 300, 400, 500, 600, 1500]
    apng.write_apng(path, frames, delays)
    info = apng.read_apng_info(path)
    assert (info.width, info.height, info.frame_count, info.plays) == (40, 30, 7, 0)
    assert len(info.frames) == 7
    assert [f.delay_ms for f in info.frames] == delays
    # the first frame is the whole image (what a viewer without APNG shows)
    assert (info.frames[0].width, info.frames[0].height) == (40, 30)
    for frame in info.frames:
        assert frame.x + frame.width <= 40 and frame.y + frame.height <= 30


def test_the_frames_put_together_are_the_frames_written(tmp_path):
    frames = _frames(5, seed=3)
    frames.append(frames[-1].copy())  # an unchanged frame is still a frame
    path = tmp_path / "step.png"
    apng.write_apng(path, frames, [50] * len(frames))
    shown = _composed(path)
    assert len(shown) == len(frames)
    for written, seen in zip(frames, shown):
        np.testing.assert_array_equal(seen, written)
    # a later frame holds only the rectangle that changed
    assert apng.read_apng_info(path).frames[1].width < 40


def test_a_damaged_file_is_refused(tmp_path):
    path = tmp_path / "x.png"
    apng.write_apng(path, _frames(2), [100, 100])
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF  # inside the last frame's data: its CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(apng.ApngError, match="CRC"):
        apng.read_apng_info(path)


def test_frames_of_different_sizes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="every frame"):
        apng.write_apng(tmp_path / "x.png", [_frames(1)[0], _frames(1, 20, 20)[0]],
                        [1, 1])
