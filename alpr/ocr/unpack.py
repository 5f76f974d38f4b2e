"""``python -m alpr.ocr.unpack``: writes the bundled models' graphs beside their .xz files, so the reader opens
them instead of decompressing at every cold start (the OCR image's build and `make install` run it)."""

from __future__ import annotations

from alpr.ocr.models import unpack


def main() -> None:
    for path in unpack():
        print(f"unpacked {path.name}")


if __name__ == "__main__":
    main()
