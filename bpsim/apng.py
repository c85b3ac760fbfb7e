"""Animated PNG (APNG) files: written with zlib and struct, read back for checking.

An APNG is a PNG whose extra chunks make it an animation (the APNG specification,
https://wiki.mozilla.org/APNG_Specification): after IHDR an ``acTL`` chunk (number of
frames, number of plays), then per frame an ``fcTL`` chunk (its rectangle, its delay)
followed by its pixels, the first frame in ``IDAT`` (what a viewer without APNG shows)
and the others in ``fdAT`` (a sequence number, then the same zlib stream as IDAT).
Every chunk is length, type, data, CRC-32 of type and data.

Frames are numpy arrays of height × width × 4 (RGBA, uint8).  A frame after the first
is written as the smallest rectangle that differs from the frame before it, blended
over it: a step's slides differ by a few labels, so a file stays small.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: IHDR's colour type for 8-bit RGBA
COLOUR_RGBA = 6
#: fcTL's dispose_op: leave the frame as it is for the next one
DISPOSE_NONE = 0
#: fcTL's blend_op: the frame's rectangle replaces what is there
BLEND_SOURCE = 0
#: the "Up" filter: each byte minus the byte above it (mod 256); PNG's filters make
#: runs of equal rows compress to almost nothing
FILTER_UP = 2


class ApngError(ValueError):
    """A file that is no well-formed APNG."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _pixels(rgba: np.ndarray) -> bytes:
    """The zlib stream of the image's rows, each filtered with Up."""
    rows = rgba.reshape(rgba.shape[0], -1)
    above = np.vstack([np.zeros((1, rows.shape[1]), dtype=np.uint8), rows[:-1]])
    filtered = rows - above  # uint8 arithmetic wraps mod 256, as the filter wants
    lines = np.hstack([np.full((rows.shape[0], 1), FILTER_UP, dtype=np.uint8), filtered])
    return zlib.compress(lines.tobytes(), 6)


def _changed_box(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the smallest rectangle holding every changed pixel (one
    pixel if none changed: a frame is at least 1 × 1)."""
    changed = np.any(before != after, axis=2)
    rows, columns = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    if not len(rows):
        return 0, 0, 1, 1
    return (int(columns[0]), int(rows[0]), int(columns[-1] - columns[0] + 1),
            int(rows[-1] - rows[0] + 1))


def _delay(ms: int) -> tuple[int, int]:
    """fcTL's delay as a fraction (numerator, denominator) of a second."""
    return max(0, min(int(ms), 65535)), 1000


def write_apng(path, frames, delays_ms, plays: int = 0) -> None:
    """Write ``frames`` (each height × width × 4 RGBA uint8, all the same size) to
    ``path``, frame k shown for ``delays_ms[k]`` milliseconds; ``plays`` times in all
    (0: for ever)."""
    frames = [np.ascontiguousarray(frame, dtype=np.uint8) for frame in frames]
    if not frames:
        raise ValueError("an animation needs at least one frame")
    if len(delays_ms) != len(frames):
        raise ValueError(f"{len(frames)} frames but {len(delays_ms)} delays")
    height, width = frames[0].shape[:2]
    for frame in frames:
        if frame.shape != (height, width, 4):
            raise ValueError(f"every frame must be {width} × {height} RGBA, "
                             f"got {frame.shape}")
    out = [SIGNATURE,
           _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, COLOUR_RGBA, 0, 0, 0)),
           _chunk(b"acTL", struct.pack(">II", len(frames), plays))]
    sequence = 0
    previous = None
    for frame, delay in zip(frames, delays_ms):
        if previous is None:
            x, y, w, h = 0, 0, width, height
        else:
            x, y, w, h = _changed_box(previous, frame)
        out.append(_chunk(b"fcTL", struct.pack(">IIIIIHHBB", sequence, w, h, x, y,
                                               *_delay(delay), DISPOSE_NONE, BLEND_SOURCE)))
        sequence += 1
        data = _pixels(frame[y:y + h, x:x + w])
        if previous is None:
            out.append(_chunk(b"IDAT", data))
        else:
            out.append(_chunk(b"fdAT", struct.pack(">I", sequence) + data))
            sequence += 1
        previous = frame
    out.append(_chunk(b"IEND", b""))
    Path(path).write_bytes(b"".join(out))


@dataclass(frozen=True)
class FrameInfo:
    """One frame's fcTL: its rectangle on the canvas and how long it is shown."""

    width: int
    height: int
    x: int
    y: int
    delay_ms: float


@dataclass(frozen=True)
class ApngInfo:
    """What an APNG file declares, as read by :func:`read_apng_info`."""

    width: int
    height: int
    #: acTL's number of frames
    frame_count: int
    plays: int
    frames: tuple[FrameInfo, ...]


def read_apng_info(path) -> ApngInfo:
    """The image size, acTL and every fcTL of an APNG file; every chunk's CRC checked,
    and each frame's pixels decompressed to the size its fcTL declares.  Raises
    ApngError for anything malformed."""
    data = Path(path).read_bytes()
    if not data.startswith(SIGNATURE):
        raise ApngError("not a PNG file (no PNG signature)")
    position, chunks = len(SIGNATURE), []
    while position < len(data):
        if position + 8 > len(data):
            raise ApngError("truncated chunk header")
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        if len(body) != length or zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ApngError(f"chunk {kind!r} is truncated or its CRC is wrong")
        chunks.append((kind, body))
        position += 12 + length
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise ApngError("a PNG starts with IHDR and ends with IEND")
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    if (depth, colour) != (8, COLOUR_RGBA):
        raise ApngError("only 8-bit RGBA is read here")
    actl = [body for kind, body in chunks if kind == b"acTL"]
    if len(actl) != 1:
        raise ApngError("no acTL chunk: a still PNG, not an animation")
    frame_count, plays = struct.unpack(">II", actl[0])
    frames, current, streams = [], None, []
    for kind, body in chunks:
        if kind == b"fcTL":
            _seq, w, h, x, y, numerator, denominator = struct.unpack(">IIIIIHH", body[:24])
            if x + w > width or y + h > height:
                raise ApngError("a frame reaches outside the image")
            current = FrameInfo(w, h, x, y, 1000.0 * numerator / (denominator or 100))
            frames.append(current)
            streams.append(b"")
        elif kind in (b"IDAT", b"fdAT") and current is not None:
            streams[-1] += body if kind == b"IDAT" else body[4:]
    for frame, stream in zip(frames, streams):
        try:
            pixels = zlib.decompress(stream)
        except zlib.error as error:
            raise ApngError(f"a frame's pixels do not decompress: {error}") from None
        if len(pixels) != frame.height * (1 + 4 * frame.width):
            raise ApngError("a frame's pixels do not fill its rectangle")
    if len(frames) != frame_count:
        raise ApngError(f"acTL says {frame_count} frames, the file has {len(frames)}")
    return ApngInfo(width, height, frame_count, plays, tuple(frames))
