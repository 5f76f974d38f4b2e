"""Licence-plate reading (plate detector + PP-OCRv4 recognizer + US plate formats)."""

from alpr.ocr.reader import ImageDecodeError, PlateReader, PlateResult, decode_image, get_reader

__all__ = ["ImageDecodeError", "PlateReader", "PlateResult", "decode_image", "get_reader"]
