"""The one way a picture from outside gets in (avatars, logos, post images): checked, decoded, drawn afresh.

`sanitize_image()` reads only the header first and refuses what is not a JPEG, PNG, GIF or WebP, or has
more pixels (or animation frames) than allowed, before any pixel is decoded. It then decodes once
(JPEGs at a reduced scale when the result is smaller anyway), applies the EXIF orientation, resizes,
and encodes a new file that carries none of the original's metadata: no EXIF or GPS, no JPEG, PNG or
GIF comments or text chunks, no XMP. The ICC colour profile is kept when the colours are not
converted, because dropping it shifts the colours of wide-gamut photos and it says nothing about the
person. Animations are re-encoded frame by frame within a frame and pixel budget, or reduced to their
first frame where a still picture is wanted.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from townhall.core.errors import Invalid

FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
MAX_FRAMES = 100
# Decoded pixels an animation may have over all its frames (a 500 x 400 GIF of 100 frames is 20 MP).
MAX_ANIMATION_PIXELS = 25_000_000
ACCEPTED = "upload a JPEG, PNG, GIF or WebP image"


class ImageRejected(Invalid):
    """The picture is refused; `code` says why (not_an_image, unsupported, too_many_pixels,
    too_many_frames, damaged) and the message says it to a person."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field_errors={field: [message]} if field else None)
        self.code = code


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    format: str
    width: int
    height: int
    frames: int = 1

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def sanitize_image(
    data: bytes,
    *,
    max_pixels: int,
    max_side: int | None = None,
    square: int | None = None,
    output_format: str | None = None,
    animation: bool = True,
    field: str | None = None,
) -> CleanImage:
    """A new image file drawn from `data`, without metadata; raises ImageRejected with a clear message.

    `max_side` shrinks the picture to fit in a box of that side; `square` crops it to a centred square of
    that side instead. `output_format` (default: the input's) is one of FORMATS. With `animation` False
    only the first frame is kept; otherwise an animation stays one, bounded by MAX_FRAMES and
    MAX_ANIMATION_PIXELS.
    """
    fail = _failures(field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))  # reads the header only
            fmt = probe.format or ""
            width, height = probe.size
            if fmt not in FORMATS:
                raise fail("unsupported", f"{fmt or 'Those'} images are not supported; {ACCEPTED}.")
            if width < 1 or height < 1 or width * height > max_pixels:
                raise fail(
                    "too_many_pixels",
                    f"That picture has too many pixels ({width} x {height}); use one under "
                    f"{max_pixels / 1_000_000:g} megapixels.",
                )
            frames = getattr(probe, "n_frames", 1) if animation else 1
            if frames > 1 and (frames > MAX_FRAMES or frames * width * height > MAX_ANIMATION_PIXELS):
                raise fail(
                    "too_many_frames",
                    f"That animation is too big ({frames} frames of {width} x {height} pixels); use at "
                    f"most {MAX_FRAMES} frames and fewer pixels.",
                )
            target = output_format or fmt
            if frames > 1:
                out, size = _animation(probe, target, max_side=max_side, square=square)
            else:
                out, size = _still(probe, target, max_side=max_side, square=square)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise fail(
            "too_many_pixels",
            f"That picture has too many pixels; use one under {max_pixels / 1e6:g} megapixels.",
        ) from None
    except UnidentifiedImageError:
        raise fail("not_an_image", f"That file is not a picture we can read; {ACCEPTED}.") from None
    except (OSError, SyntaxError, ValueError, EOFError, TypeError):
        raise fail(
            "damaged", f"That picture could not be read; it may be damaged. Try another, or {ACCEPTED}."
        ) from None
    return CleanImage(data=out, format=target, width=size[0], height=size[1], frames=frames)


def _failures(field: str | None) -> Any:
    def fail(code: str, message: str) -> ImageRejected:
        return ImageRejected(code, message, field=field)

    return fail


def _fit(image: Image.Image, *, max_side: int | None, square: int | None) -> Image.Image:
    if square:
        return ImageOps.fit(image, (square, square), method=Image.Resampling.LANCZOS)
    if max_side and max(image.size) > max_side:
        image = image.copy() if image.readonly else image
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image


def _draft_size(size: tuple[int, int], *, max_side: int | None, square: int | None) -> tuple[int, int] | None:
    """The smallest size the result can be drawn from: the box `max_side` scales to, or what `square` crops."""
    width, height = size
    if square:
        scale = square / min(width, height)
    elif max_side:
        scale = max_side / max(width, height)
    else:
        return None
    if scale >= 1:
        return None
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _output_mode(image: Image.Image, fmt: str) -> str:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if fmt == "JPEG":
        return "L" if image.mode == "L" else "RGB"
    if fmt == "GIF":
        return "P" if image.mode in ("P", "L") else ("RGBA" if has_alpha else "RGB")
    if fmt == "PNG" and image.mode in ("RGB", "RGBA", "L", "LA", "P"):
        return image.mode
    return "RGBA" if has_alpha else "RGB"


def _still(
    probe: Any, fmt: str, *, max_side: int | None, square: int | None
) -> tuple[bytes, tuple[int, int]]:
    if probe.format == "JPEG":
        draft = _draft_size(probe.size, max_side=max_side, square=square)
        if draft:
            probe.draft(None, draft)  # decode at 1/2, 1/4 or 1/8 scale when that is still big enough
    probe.load()
    icc = probe.info.get("icc_profile")
    original_mode = probe.mode
    image: Image.Image = ImageOps.exif_transpose(probe)
    mode = _output_mode(image, fmt)
    transparency = image.info.get("transparency") if mode == image.mode == "P" else None
    if image.mode != mode:
        image = image.convert(mode)
    image = _fit(image, max_side=max_side, square=square)
    image.info = {}  # Pillow writes comments and the like from info when saving: start from nothing
    options: dict[str, Any] = {}
    if icc and mode == original_mode:
        options["icc_profile"] = icc
    if transparency is not None:
        options["transparency"] = transparency
    if fmt == "JPEG":
        options.update(quality=85, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=85, method=4)
    elif fmt == "PNG":
        options.update(optimize=True)
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue(), image.size


def _animation(
    probe: Any, fmt: str, *, max_side: int | None, square: int | None
) -> tuple[bytes, tuple[int, int]]:
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(probe):
        durations.append(int(frame.info.get("duration", 100)) or 100)
        drawn = _fit(frame.convert("RGBA"), max_side=max_side, square=square)
        drawn.info = {}
        frames.append(drawn)
    options: dict[str, Any] = {
        "save_all": True,
        "append_images": frames[1:],
        "duration": durations,
        "loop": int(probe.info.get("loop", 0)),
    }
    if fmt == "GIF":
        options["disposal"] = 2
    elif fmt == "WEBP":
        options.update(quality=80, method=4)
    out = io.BytesIO()
    frames[0].save(out, format=fmt, **options)
    return out.getvalue(), frames[0].size
