"""Synthetic licence plates, deterministic from a seed.

Each sample ``i`` of seed ``s`` is drawn from its own ``numpy.random.default_rng([s, i])``, so a sample
does not depend on how many were drawn before it (a resumed training run sees the same data).

What a plate carries: a registration in a US state's format (or a vanity text), with separators
(space, dash, the state emblem that splits Missouri's ``FK4◆W3L``), sometimes two small stacked
characters; a state name and a slogan; dealer frames and stickers around it; embossed characters in
fonts close to US plate fonts. A share of the plates are European, Mexican, Canadian and Brazilian,
whose formats use the letter O beside the digit 0, so the model is not US-only. The look-alikes the
reader confused most (W/N, E/F, I/T, L/1, 5/B, E/3, 0/O, 8/B) are oversampled.

Degradation (``degrade``, shared with the real crops): perspective ±6 %, rotation ±8°, plate height
10-48 px, blur, motion blur, JPEG quality 15-90, noise.

    python -m training.plate_renderer --seed 0 --count 64 --contact-sheet sheet.png
"""

from __future__ import annotations

import argparse
import functools
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from alpr.ocr.plate_format import DIGITS, LETTERS

# Debian packages (installed by `make train`): fonts-liberation, fonts-dejavu-core/extra,
# fonts-urw-base35, fonts-bebas-neue, fonts-opendin. Registration fonts: narrow bold sans.
REGISTRATION_FONT_NAMES = (
    "LiberationSansNarrow-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "NimbusSansNarrow-Bold.otf",
    "BebasNeue-Bold.otf",
)
EU_FONT_NAMES = ("OSP-DIN.ttf", "DejaVuSansCondensed-Bold.ttf")
DECOR_FONT_NAMES = ("DejaVuSerif-Bold.ttf", "LiberationSerif-BoldItalic.ttf", "LiberationSans-Bold.ttf")
FONT_DIRS = (Path("/usr/share/fonts"),)

# US registration layouts by state ("L" letter, "9" digit, " " space, "-" dash, "*" emblem).
US_LAYOUTS: dict[str, tuple[str, ...]] = {
    "CALIFORNIA": ("9LLL999",),
    "TEXAS": ("LLL-9999", "LL9-L999"),
    "NEW YORK": ("LLL-9999",),
    "FLORIDA": ("LLL L99", "999 9LL", "LLL9LL"),
    "ILLINOIS": ("L99 9999", "LL 99999"),
    "PENNSYLVANIA": ("LLL-9999",),
    "OHIO": ("LLL 9999",),
    "GEORGIA": ("LLL9999",),
    "MICHIGAN": ("LLL 9999", "9LLL99"),
    "NEW JERSEY": ("L99-LLL",),
    "MISSOURI": ("LL9*L9L",),
    "ARIZONA": ("LLL9999",),
    "WASHINGTON": ("LLL9999",),
    "MASSACHUSETTS": ("9LL 999", "9LLL99"),
    "VIRGINIA": ("LLL-9999",),
    "NORTH CAROLINA": ("LLL-9999",),
    "MARYLAND": ("9LL9999",),
    "COLORADO": ("LLL-999", "999-LLL"),
    "ALABAMA": ("9L99999", "99L999L"),
    "ALASKA": ("LLL 999",),
    "OREGON": ("999 LLL",),
    "NEVADA": ("999-L99", "99L-999"),
    "MINNESOTA": ("999-LLL",),
    "UTAH": ("L999LL",),
    "CONNECTICUT": ("LL-99999", "9LLLL9"),
    "INDIANA": ("999L",),
    "WISCONSIN": ("LLL-9999",),
    "TENNESSEE": ("L99-99L",),
    "KENTUCKY": ("999-LLL",),
    "IOWA": ("LLL 999",),
    "NEW MEXICO": ("LLL-999",),
    "DELAWARE": ("999999",),
}
STATE_SLOGANS = (
    "Land of Lincoln",
    "Sunshine State",
    "The Golden State",
    "Empire State",
    "Garden State",
    "Live Free or Die",
    "First in Flight",
    "Show Me State",
    "Grand Canyon State",
    "Evergreen State",
    "Pure Michigan",
    "dmv.ca.gov",
    "Peach State",
)
DEALER_TEXT = ("AUTO MALL", "TOYOTA OF", "HONDA", "FORD CITY", "CARMAX", "DEALER", "MOTORS", "555-0100")

# Other countries (letters may include O, digits 0): (format tag, layouts, plate aspect, colours).
FOREIGN_LAYOUTS: dict[str, tuple[str, ...]] = {
    "EU": ("LL-999-LL", "LL99 LLL", "L LL 9999", "LL 9999", "9999 LLL", "99-LLL-9"),
    "MX": ("LLL-999-L", "LLL-99-99", "LL-99-999"),
    "CA": ("LLLL 999", "LLL 999", "999 LLL", "LL9 99L"),
    "BR": ("LLL9L99", "LLL-9999"),
}
FORMAT_SHARES = (("US", 0.66), ("EU", 0.1), ("MX", 0.1), ("CA", 0.07), ("BR", 0.07))
CONFUSABLES = "WNEFITL15B30O8"
US_LETTERS = LETTERS.replace("O", "")  # US registrations never use the letter O


@dataclass(frozen=True)
class RenderedPlate:
    image: np.ndarray  # BGR uint8, the plate with a little of its surroundings
    text: str  # the registration, A-Z0-9
    region: str  # US, EU, MX, CA, BR


@functools.cache
def _font_paths(names: tuple[str, ...]) -> tuple[Path, ...]:
    found: list[Path] = []
    for name in names:
        for root in FONT_DIRS:
            found.extend(sorted(root.rglob(name)))
    if not found:
        raise FileNotFoundError(f"none of the fonts {names} is installed (make train installs them)")
    return tuple(dict.fromkeys(found))


@functools.cache
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _pick(rng: np.random.Generator, options: tuple | list | str):  # type: ignore[no-untyped-def]
    return options[int(rng.integers(len(options)))]


def _fill_layout(rng: np.random.Generator, layout: str, letters: str) -> str:
    out = []
    for kind in layout:
        if kind == "L":
            pool = letters if rng.random() > 0.3 else "".join(c for c in CONFUSABLES if c in letters)
            out.append(_pick(rng, pool))
        elif kind == "9":
            pool = DIGITS if rng.random() > 0.3 else "".join(c for c in CONFUSABLES if c in DIGITS)
            out.append(_pick(rng, pool))
        else:
            out.append(kind)
    return "".join(out)


def _vanity(rng: np.random.Generator) -> str:
    length = int(rng.integers(2, 8))
    pool = US_LETTERS + DIGITS if rng.random() < 0.5 else US_LETTERS
    return "".join(_pick(rng, pool) for _ in range(length))


def registration(rng: np.random.Generator, region: str) -> tuple[str, str]:
    """(text as printed with separators, state name or "") for one plate."""
    if region == "US":
        state = _pick(rng, list(US_LAYOUTS))
        if rng.random() < 0.12:
            return _vanity(rng), state
        return _fill_layout(rng, _pick(rng, US_LAYOUTS[state]), US_LETTERS), state
    return _fill_layout(rng, _pick(rng, FOREIGN_LAYOUTS[region]), LETTERS), ""


def _plate_colours(rng: np.random.Generator, region: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(background, characters) in RGB."""
    if region in ("EU", "BR"):
        return (245, 245, 240) if rng.random() < 0.8 else (250, 210, 40), (15, 15, 15)
    schemes = (
        ((240, 240, 235), (20, 30, 120)),
        ((250, 250, 250), (20, 20, 20)),
        ((235, 230, 200), (140, 20, 20)),
        ((250, 235, 150), (20, 20, 80)),
        ((30, 40, 90), (240, 240, 240)),
        ((225, 235, 245), (10, 60, 30)),
    )
    jitter = rng.integers(-15, 16, size=3)
    background, ink = _pick(rng, schemes)
    return tuple(int(np.clip(c + j, 0, 255)) for c, j in zip(background, jitter, strict=True)), ink  # type: ignore[return-value]


def _draw_text_fitted(
    draw: ImageDraw.ImageDraw,
    text: str,
    font_path: Path,
    box: tuple[int, int, int, int],
    fill: tuple[int, int, int],
    emboss: bool,
) -> None:
    """Draws ``text`` stretched to fill ``box`` (x0, y0, x1, y1), with an embossing shadow."""
    x0, y0, x1, y1 = box
    height = y1 - y0
    font = _font(font_path, max(8, height))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    layer = Image.new("L", (max(1, int(right - left)), max(1, int(bottom - top))), 0)
    ImageDraw.Draw(layer).text((-left, -top), text, font=font, fill=255)
    layer = layer.resize((max(1, x1 - x0), max(1, height)), Image.Resampling.BILINEAR)
    base = draw._image  # type: ignore[attr-defined]
    if emboss:
        shadow = Image.new("RGB", layer.size, tuple(max(0, c - 90) for c in fill))
        base.paste(shadow, (x0 + 2, y0 + 2), layer)
        highlight = Image.new("RGB", layer.size, (255, 255, 255))
        base.paste(highlight, (x0 - 1, y0 - 1), layer.point(lambda v: v // 3))
    base.paste(Image.new("RGB", layer.size, fill), (x0, y0), layer)


def _draw_registration(
    draw: ImageDraw.ImageDraw,
    rng: np.random.Generator,
    printed: str,
    font_path: Path,
    box: tuple[int, int, int, int],
    ink: tuple[int, int, int],
) -> str:
    """Draws the registration (separators as gaps, dashes or an emblem); returns its label text."""
    x0, y0, x1, y1 = box
    emboss = bool(rng.random() < 0.5)
    groups = printed.replace("-", " - ").replace("*", " * ").split(" ")
    groups = [g for g in groups if g]
    stacked = ""
    if rng.random() < 0.04 and len(printed.replace(" ", "").replace("-", "")) <= 6:
        stacked = _pick(rng, US_LETTERS) + _pick(rng, US_LETTERS)
    char_units = sum(len(g) if g not in ("-", "*") else 0.6 for g in groups) + 0.4 * (len(groups) - 1)
    char_units += 0.9 if stacked else 0
    unit = (x1 - x0) / max(char_units, 1)
    x = float(x0)
    if stacked:
        half = (y1 - y0) // 2
        for row, char in enumerate(stacked):
            _draw_text_fitted(
                draw,
                char,
                font_path,
                (int(x), y0 + row * half, int(x + 0.8 * unit), y0 + (row + 1) * half - 1),
                ink,
                emboss,
            )
        x += 0.9 * unit
    for index, group in enumerate(groups):
        if index:
            x += 0.4 * unit
        if group == "-":
            mid = (y0 + y1) // 2
            draw.rectangle(
                (int(x), mid - max(1, (y1 - y0) // 14), int(x + 0.5 * unit), mid + max(1, (y1 - y0) // 14)), fill=ink
            )
            x += 0.6 * unit
        elif group == "*":
            cx, cy, r = x + 0.3 * unit, (y0 + y1) / 2, 0.35 * unit
            colour = tuple(int(c) for c in rng.integers(0, 255, size=3))
            draw.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], fill=colour)
            x += 0.6 * unit
        else:
            width = unit * len(group)
            _draw_text_fitted(draw, group, font_path, (int(x), y0, int(x + width), y1), ink, emboss)
            x += width
    return stacked + "".join(c for c in printed if c.isalnum())


def render_plate(
    rng: np.random.Generator, region: str | None = None, registration_fonts: tuple[str, ...] | None = None
) -> RenderedPlate:
    """One clean plate (no degradation), 72 px high (larger than any plate the model is shown).

    ``region`` and ``registration_fonts`` force a country and fonts (the rendered benchmark sets use fonts
    that training never sees); left out, they are drawn like every training sample."""
    roll, drawn = float(rng.random()), "US"
    for name, share in FORMAT_SHARES:
        if roll < share:
            drawn = name
            break
        roll -= share
    region = region or drawn
    printed, state = registration(rng, region)
    aspect = {"US": 2.0, "CA": 2.0, "MX": 2.0, "EU": 4.7, "BR": 3.1}[region]
    height = 72
    width = int(height * aspect * rng.uniform(0.95, 1.05))
    background, ink = _plate_colours(rng, region)
    plate = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(plate)
    font_names = registration_fonts or (EU_FONT_NAMES if region in ("EU", "BR") else REGISTRATION_FONT_NAMES)
    registration_font = _pick(rng, _font_paths(font_names))
    decor_font = _pick(rng, _font_paths(DECOR_FONT_NAMES))
    left = int(width * 0.06)
    if region == "EU":
        band = int(width * 0.08)
        draw.rectangle((0, 0, band, height), fill=(20, 50, 160))
        _draw_text_fitted(
            draw,
            _pick(rng, ("D", "F", "NL", "B", "I", "E")),
            decor_font,
            (band // 5, int(height * 0.6), band - band // 5, int(height * 0.85)),
            (240, 240, 240),
            False,
        )
        left = band + int(width * 0.03)
        top, bottom = int(height * 0.15), int(height * 0.85)
    elif region == "BR":
        draw.rectangle((0, 0, width, int(height * 0.22)), fill=(20, 50, 160))
        _draw_text_fitted(
            draw,
            "BRASIL",
            decor_font,
            (int(width * 0.35), int(height * 0.03), int(width * 0.65), int(height * 0.19)),
            (240, 240, 240),
            False,
        )
        top, bottom = int(height * 0.3), int(height * 0.9)
    else:
        header = state or {
            "MX": _pick(rng, ("JALISCO", "BAJA CALIFORNIA", "SONORA", "MEXICO")),
            "CA": _pick(rng, ("ONTARIO", "QUEBEC", "BRITISH COLUMBIA", "ALBERTA")),
        }.get(region, "")
        if rng.random() < 0.85 and header:
            span = min(0.8, 0.08 * len(header))
            cx = width / 2 + rng.uniform(-0.1, 0.1) * width
            _draw_text_fitted(
                draw,
                header.title() if rng.random() < 0.5 else header,
                decor_font,
                (int(cx - span * width / 2), int(height * 0.04), int(cx + span * width / 2), int(height * 0.2)),
                ink,
                False,
            )
        if rng.random() < 0.6:
            slogan = _pick(rng, STATE_SLOGANS)
            span = min(0.8, 0.05 * len(slogan))
            _draw_text_fitted(
                draw,
                slogan,
                decor_font,
                (int(width * (0.5 - span / 2)), int(height * 0.82), int(width * (0.5 + span / 2)), int(height * 0.95)),
                ink,
                False,
            )
        for corner in range(int(rng.integers(0, 3))):
            sx = int(width * (0.02 if corner == 0 else 0.82))
            sticker = tuple(int(c) for c in rng.integers(0, 255, size=3))
            draw.rectangle((sx, int(height * 0.05), sx + int(width * 0.15), int(height * 0.2)), fill=sticker)
        top, bottom = int(height * rng.uniform(0.22, 0.3)), int(height * rng.uniform(0.74, 0.8))
    right = width - int(width * rng.uniform(0.04, 0.08))
    text = _draw_registration(draw, rng, printed, registration_font, (left, top, right, bottom), ink)
    image = cv2.cvtColor(np.asarray(plate), cv2.COLOR_RGB2BGR)
    if region == "US" and rng.random() < 0.35:
        image = _dealer_frame(rng, image, decor_font)
    return RenderedPlate(_surroundings(rng, image), text, region)


def _dealer_frame(rng: np.random.Generator, image: np.ndarray, font_path: Path) -> np.ndarray:
    h = image.shape[0]
    thickness = max(3, int(h * rng.uniform(0.05, 0.12)))
    colour = tuple(int(c) for c in rng.integers(0, 80, size=3))
    framed = cv2.copyMakeBorder(
        image, thickness, thickness * 2, thickness, thickness, cv2.BORDER_CONSTANT, value=colour
    )
    frame = Image.fromarray(cv2.cvtColor(framed, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(frame)
    text = _pick(rng, DEALER_TEXT)
    fh, fw = framed.shape[:2]
    _draw_text_fitted(
        draw,
        text,
        font_path,
        (int(fw * 0.3), fh - int(thickness * 1.8), int(fw * 0.7), fh - int(thickness * 0.3)),
        (230, 230, 230),
        False,
    )
    return cv2.cvtColor(np.asarray(frame), cv2.COLOR_RGB2BGR)


def _surroundings(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """Puts the plate on a car-coloured background with a random margin (detector boxes are loose or tight)."""
    h, w = image.shape[:2]
    pad_x, pad_y = int(w * rng.uniform(0.0, 0.12)), int(h * rng.uniform(0.0, 0.2))
    colour = tuple(int(c) for c in rng.integers(0, 255, size=3))
    return cv2.copyMakeBorder(image, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT, value=colour)


def degrade(rng: np.random.Generator, image: np.ndarray, min_height: int = 10, max_height: int = 48) -> np.ndarray:
    """Camera-like damage: perspective and rotation, low resolution, blur, motion, JPEG, noise."""
    h, w = image.shape[:2]
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    jitter = rng.uniform(-0.06, 0.06, size=(4, 2)) * np.array([w, h])
    matrix = cv2.getPerspectiveTransform(corners, (corners + jitter).astype(np.float32))
    angle = rng.uniform(-8, 8)
    rotation = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), [0, 0, 1]])
    image = cv2.warpPerspective(image, rotation @ matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    # Most plates in road photos are 16-48 px high; a few are smaller still.
    low = min_height if rng.random() < 0.15 else max(min_height, 16)
    target_h = int(rng.integers(low, max_height + 1))
    scale = target_h / h
    small = cv2.resize(image, (max(4, int(w * scale)), target_h), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.35:
        small = cv2.GaussianBlur(small, (0, 0), rng.uniform(0.3, 1.0))
    if rng.random() < 0.25:
        length = int(rng.integers(2, 5))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0 / length
        rotated = cv2.warpAffine(
            kernel, cv2.getRotationMatrix2D((length / 2, length / 2), rng.uniform(0, 180), 1.0), (length, length)
        )
        small = cv2.filter2D(small, -1, (rotated / max(float(rotated.sum()), 1e-6)).astype(np.float32))
    contrast, brightness = rng.uniform(0.7, 1.2), rng.uniform(-30, 30)
    small = np.clip(small.astype(np.float32) * contrast + brightness, 0, 255)
    if rng.random() < 0.5:
        small = small + rng.normal(0, rng.uniform(2, 12), size=small.shape)
    small = np.clip(small, 0, 255).astype(np.uint8)
    quality = int(rng.integers(15, 91)) if target_h >= 24 else int(rng.integers(40, 91))
    ok, encoded = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR) if ok else None
    return decoded if decoded is not None else small


def synthetic_sample(seed: int, index: int) -> RenderedPlate:
    """Sample ``index`` of ``seed``: a rendered, degraded plate."""
    rng = np.random.default_rng([seed, index])
    plate = render_plate(rng)
    return RenderedPlate(degrade(rng, plate.image), plate.text, plate.region)


def contact_sheet(plates: list[RenderedPlate], columns: int = 8, cell: tuple[int, int] = (192, 64)) -> np.ndarray:
    """Samples in a grid, each with its label underneath, for a person to look at."""
    cw, ch = cell
    rows = math.ceil(len(plates) / columns)
    sheet = np.full((rows * (ch + 16), columns * cw, 3), 255, np.uint8)
    for i, plate in enumerate(plates):
        r, c = divmod(i, columns)
        y, x = r * (ch + 16), c * cw
        sheet[y : y + ch, x : x + cw] = cv2.resize(plate.image, (cw, ch))
        cv2.putText(
            sheet, f"{plate.region} {plate.text}", (x + 2, y + ch + 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1
        )
    return sheet


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--contact-sheet", type=Path, required=True, help="PNG file to write")
    args = parser.parse_args(argv)
    sheet = contact_sheet([synthetic_sample(args.seed, i) for i in range(args.count)])
    cv2.imwrite(str(args.contact_sheet), sheet)
    print(f"wrote {args.count} samples to {args.contact_sheet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
