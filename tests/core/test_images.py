"""core.images.sanitize_image: what comes out carries no metadata, animations are bounded, and too many
pixels are refused from the header, before decoding."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image, ImageCms, ImageFile
from PIL.PngImagePlugin import PngInfo

from townhall.core.images import MAX_FRAMES, ImageRejected, sanitize_image

SECRET = b"secret-note-from-the-camera"
GPS = {1: "N", 2: (52.0, 31.0, 0.0), 3: "E", 4: (13.0, 24.0, 0.0)}


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = GPS  # GPS IFD
    if orientation:
        exif[0x0112] = orientation
    return exif


def reopened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_no_metadata(data: bytes) -> None:
    image = reopened(data)
    assert SECRET not in data and b"SecretCam" not in data
    assert "comment" not in image.info and "exif" not in image.info and "xmp" not in image.info
    assert not image.getexif()


def test_jpeg_comment_exif_and_gps_are_gone() -> None:
    photo = encode(Image.new("RGB", (64, 48), "navy"), "JPEG", comment=SECRET, exif=exif_with_gps())
    assert SECRET in photo and reopened(photo).getexif().get_ifd(0x8825)  # the input really has them
    clean = sanitize_image(photo, max_pixels=10_000)
    assert clean.format == "JPEG" and (clean.width, clean.height) == (64, 48)
    assert_no_metadata(clean.data)


def test_gif_and_png_comments_and_text_are_gone() -> None:
    gif = encode(Image.new("P", (32, 32), 3), "GIF", comment=SECRET)
    assert SECRET in gif
    assert_no_metadata(sanitize_image(gif, max_pixels=10_000).data)
    text = PngInfo()
    text.add_text("Comment", SECRET.decode())
    png = encode(Image.new("RGBA", (32, 32), (10, 20, 30, 128)), "PNG", pnginfo=text, exif=exif_with_gps())
    clean = sanitize_image(png, max_pixels=10_000)
    assert_no_metadata(clean.data)
    assert reopened(clean.data).mode == "RGBA"  # transparency survives


def test_webp_exif_and_xmp_are_gone() -> None:
    webp = encode(
        Image.new("RGB", (40, 40), "teal"), "WEBP", exif=exif_with_gps(), xmp=b"<x:xmpmeta>" + SECRET
    )
    assert_no_metadata(sanitize_image(webp, max_pixels=10_000).data)


def test_the_exif_orientation_is_applied_before_it_is_dropped() -> None:
    sideways = encode(Image.new("RGB", (80, 40), "white"), "JPEG", exif=exif_with_gps(orientation=6))
    clean = sanitize_image(sideways, max_pixels=10_000)
    assert (clean.width, clean.height) == (40, 80)
    assert_no_metadata(clean.data)


def test_the_colour_profile_is_kept() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = encode(Image.new("RGB", (32, 32), "red"), "JPEG", icc_profile=srgb, comment=SECRET)
    assert reopened(sanitize_image(photo, max_pixels=10_000).data).info.get("icc_profile") == srgb


def animated_gif(frames: int, size: tuple[int, int] = (24, 24), **options: Any) -> bytes:
    pictures = [
        Image.new("RGB", size, ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256)) for n in range(frames)
    ]
    out = io.BytesIO()
    pictures[0].save(out, "GIF", save_all=True, append_images=pictures[1:], duration=80, loop=0, **options)
    return out.getvalue()


def test_an_animated_gif_is_redrawn_frame_by_frame_without_its_comment() -> None:
    sent = animated_gif(6, comment=SECRET)
    assert SECRET in sent
    clean = sanitize_image(sent, max_pixels=10_000)
    assert clean.data != sent and clean.frames == 6
    result = reopened(clean.data)
    assert getattr(result, "n_frames", 1) == 6 and result.info.get("duration") == 80
    assert SECRET not in clean.data and "comment" not in result.info


def test_animations_are_bounded_in_frames_and_pixels() -> None:
    with pytest.raises(ImageRejected, match=f"at most {MAX_FRAMES} frames") as caught:
        sanitize_image(animated_gif(MAX_FRAMES + 1, (4, 4)), max_pixels=10_000)
    assert caught.value.code == "too_many_frames"
    with pytest.raises(ImageRejected, match="That animation is too big"):
        sanitize_image(animated_gif(30, (1000, 1000)), max_pixels=2_000_000)  # 30 MP of frames


def test_an_animation_becomes_its_first_frame_where_a_still_picture_is_wanted() -> None:
    clean = sanitize_image(animated_gif(6), max_pixels=10_000, output_format="WEBP", animation=False)
    assert clean.frames == 1 and getattr(reopened(clean.data), "n_frames", 1) == 1


def test_too_many_pixels_are_refused_from_the_header_without_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    huge = encode(Image.new("RGB", (8000, 5000), "black"), "PNG")  # 40 MP of one colour: a small file
    assert len(huge) < 1_000_000

    def never(self: Any) -> Any:
        raise AssertionError("decoded a picture that was too big")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    with pytest.raises(
        ImageRejected, match=r"too many pixels \(8000 x 5000\); use one under 25 megapixels"
    ) as caught:
        sanitize_image(huge, max_pixels=25_000_000, field="avatar")
    assert caught.value.code == "too_many_pixels"
    assert caught.value.field_errors == {"avatar": [caught.value.message]}


def test_big_jpegs_are_decoded_at_a_reduced_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    photo = encode(Image.new("RGB", (4000, 3000), "gray"), "JPEG")
    asked: list[Any] = []
    draft = Image.Image.draft

    def spy(self: Any, mode: Any, size: Any) -> Any:
        asked.append(size)
        return draft(self, mode, size)

    monkeypatch.setattr("PIL.JpegImagePlugin.JpegImageFile.draft", spy)
    clean = sanitize_image(photo, max_pixels=25_000_000, square=256, output_format="WEBP")
    assert asked == [(342, 256)] and (clean.width, clean.height) == (256, 256)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"just some text", "not_an_image"),
        (encode(Image.new("RGB", (8, 8)), "BMP"), "unsupported"),
        (encode(Image.new("RGB", (300, 300), "red"), "JPEG")[:400], "damaged"),
    ],
)
def test_what_is_not_a_usable_picture_is_refused_clearly(data: bytes, code: str) -> None:
    with pytest.raises(ImageRejected) as caught:
        sanitize_image(data, max_pixels=1_000_000)
    assert caught.value.code == code and caught.value.message.endswith("GIF or WebP image.")
