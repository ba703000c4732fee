"""Organisation logos: decoded and re-encoded like evidence images (monitoring/files.py), so that no metadata
(EXIF, GPS, comments, XMP) survives, and scaled down to the size a page shows.

The site shell does not import the domain app, so this is the shell's own small pipeline with the same rules:
the type comes from the content (never the name), a file Pillow cannot decode is refused, an image with more
pixels than MAX_IMAGE_PIXELS is refused as a possible decompression bomb, and what is stored is a new PNG.
"""

from __future__ import annotations

import hashlib
import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP"}
ACCEPT_ATTRIBUTE = ".png,.jpg,.jpeg,.webp"
MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # the evidence pipeline's limit
MAX_SIDE = 600  # pixels: the largest a page shows, twice over for dense screens


def process_logo(upload: UploadedFile) -> ContentFile:
    """Return the cleaned logo (a PNG at most MAX_SIDE on each side), or raise ValidationError with the reason."""
    if not upload.size:
        raise ValidationError(_("The logo file is empty."), code="empty")
    if upload.size > MAX_LOGO_BYTES:
        raise ValidationError(
            _("The logo may not be larger than %(limit)s.") % {"limit": filesizeformat(MAX_LOGO_BYTES)},
            code="too_large",
        )
    not_image = ValidationError(_("The logo must be a PNG, JPEG or WebP image."), code="not_image")
    damaged = ValidationError(_("The logo is a damaged image."), code="damaged")
    bomb = ValidationError(_("The logo has too many pixels to be processed safely."), code="too_many_pixels")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                fmt = probe.format
                if fmt not in ACCEPTED_FORMATS:
                    raise not_image
                width, height = probe.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise bomb
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
                upright = ImageOps.exif_transpose(image) or image
                clean = upright.convert("RGBA") if upright.mode not in ("RGB", "RGBA", "L", "LA") else upright
                clean.thumbnail((MAX_SIDE, MAX_SIDE))
                clean.info = {}
                out = io.BytesIO()
                clean.save(out, format="PNG", optimize=True)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise bomb from exc
    except UnidentifiedImageError as exc:
        raise not_image from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise damaged from exc
    data = out.getvalue()
    return ContentFile(data, name=f"{hashlib.sha256(data).hexdigest()[:16]}.png")
