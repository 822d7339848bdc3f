"""Text positions in a PDF, read with pypdf, to check that no two table cells' text overlaps
(issue 10 §6). pypdf's layout mode measures every run of text it finds (a BT/ET group) with
its start (``tx``), its end after the glyphs' widths (``displaced_tx``), its baseline (``ty``)
and its height. (pypdf exposes these only through its layout-mode helpers, used here as its
own ``_layout_mode_text`` uses them.)"""

import io
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf._text_extraction import _layout_mode
from pypdf.generic import ContentStream


@dataclass(frozen=True)
class Box:
    page: int
    text: str
    x0: float
    x1: float
    y0: float
    y1: float

    def overlaps(self, other, tolerance=0.5) -> bool:
        return (
            self.page == other.page
            and self.x0 < other.x1 - tolerance
            and other.x0 < self.x1 - tolerance
            and self.y0 < other.y1 - tolerance
            and other.y0 < self.y1 - tolerance
        )


def text_boxes(pdf: bytes) -> list[Box]:
    boxes = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        fonts = page._layout_mode_fonts()
        contents = page.get("/Contents")
        if contents is None:
            continue
        ops = iter(ContentStream(contents.get_object(), page.pdf, "bytes").operations)
        for g in _layout_mode.text_show_operations(ops, fonts):
            text = g["text"]
            if not text.strip():
                continue
            height = g["font_height"] or g["font_size"]
            # from the baseline: descenders below, the rest of the height above
            boxes.append(
                Box(
                    number,
                    text,
                    g["tx"],
                    g["displaced_tx"],
                    g["ty"] - 0.2 * height,
                    g["ty"] + 0.8 * height,
                )
            )
    return boxes


def overlapping(boxes: list[Box]) -> list[tuple[Box, Box]]:
    """Pairs of text lines that cover the same spot of a page."""
    pairs = []
    by_page = {}
    for box in boxes:
        by_page.setdefault(box.page, []).append(box)
    for page_boxes in by_page.values():
        page_boxes.sort(key=lambda b: (b.y0, b.x0))
        for i, a in enumerate(page_boxes):
            for b in page_boxes[i + 1 :]:
                if b.y0 >= a.y1:
                    break
                if a.overlaps(b):
                    pairs.append((a, b))
    return pairs
