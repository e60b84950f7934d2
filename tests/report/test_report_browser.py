"""The report in a real browser: Debian's headless Chromium loads the page, and the test
checks the rendered DOM (layout at desktop and phone widths, selectable SVG text, no
request but the page itself) and screenshots (the verdict box and the plots' colours on
screen).

Chromium comes from Debian (``chromium-headless-shell``, else ``chromium``; .ci/run
installs it with apt). Without it the tests skip, except in CI (``CI`` or
``E820SCOPE_REQUIRE_BROWSER`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from .cdp import Browser, find_browser

REQUIRED = bool(os.environ.get("CI") or os.environ.get("E820SCOPE_REQUIRE_BROWSER"))
EXE = find_browser()

if EXE is None:
    if REQUIRED:
        pytest.fail(
            "no Chromium (chromium-headless-shell or chromium) though CI requires the browser "
            "test; .ci/run installs it with apt",
            pytrace=False,
        )
    pytest.skip(
        "no Chromium here (apt-get install chromium-headless-shell); CI runs this test",
        allow_module_level=True,
    )


TEXTS = "document.querySelectorAll('#plots svg text')"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert EXE is not None
    b = Browser(EXE)
    try:
        yield b
    finally:
        b.close()


def _png(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _has_colour(img: Image.Image, rgb: tuple[int, int, int], tol: int = 12) -> int:
    """How many pixels are within ``tol`` of ``rgb``."""
    r0, g0, b0 = rgb
    return sum(
        n
        for n, (r, g, b) in img.getcolors(maxcolors=1 << 20) or []
        if abs(r - r0) <= tol and abs(g - g0) <= tol and abs(b - b0) <= tol
    )


def test_desktop_dom(browser: Browser, patched_report: Path) -> None:
    browser.load(patched_report.as_uri(), 1280, 900)
    # nothing is loaded but the page itself
    assert browser.requests() == [patched_report.as_uri()]
    assert browser.eval("document.title").startswith("e820scope report: ")
    rows = browser.eval("document.querySelectorAll('#timeline tbody tr').length")
    assert rows == 64
    last = browser.eval("document.querySelector('#timeline tbody tr:last-child').innerText")
    assert "PANIC" in last and "-3174686744 B" in last
    # the SVG is drawn at a readable size and its labels are text the browser laid out
    box = browser.eval(
        "(() => { const r = document.querySelector('#plots svg').getBoundingClientRect();"
        " return [r.width, r.height]; })()"
    )
    assert box[0] > 800 and box[1] > 800
    labels = browser.eval(
        "[...document.querySelectorAll('#plots svg text')].map(t => t.textContent)"
    )
    assert any("(c) physical address map" in t for t in labels)
    widths = browser.eval(f"[...{TEXTS}].map(t => t.getBBox().width)")
    assert min(widths) > 0  # rendered glyphs, not empty text nodes
    # selectable: selecting the panel titles gives their text back
    selected = browser.eval(
        "(() => { const s = window.getSelection(); s.removeAllRanges();"
        " const r = document.createRange();"
        " r.selectNodeContents(document.querySelector('#plots svg'));"
        " s.addRange(r); return s.toString(); })()"
    )
    assert "e820 entries per kexec generation" in selected
    assert "zeropage cap: 128 entries" in selected


def test_desktop_screenshot_shows_the_plots(
    browser: Browser, patched_report: Path, tmp_path: Path
) -> None:
    browser.load(patched_report.as_uri(), 1280, 900)
    browser.eval("document.querySelector('#plots').scrollIntoView()")
    shot = _png(browser.screenshot(tmp_path / "plots.png"))
    assert shot.size == (1280, 900)
    # the usable-RAM green (#009E73) and the entries blue (#0072B2) are on screen
    assert _has_colour(shot, (0x00, 0x9E, 0x73)) > 200
    assert _has_colour(shot, (0x00, 0x72, 0xB2)) > 200
    assert len(shot.getcolors(maxcolors=1 << 20) or []) > 50  # not a blank page


def test_phone_layout_and_screenshot(
    browser: Browser, patched_report: Path, tmp_path: Path
) -> None:
    browser.load(patched_report.as_uri(), 390, 844, mobile=True)
    # no sideways scrolling of the page: wide tables scroll inside their own box
    assert browser.eval("document.documentElement.scrollWidth") <= 390
    # the figure keeps its drawn size (legible labels) and scrolls inside its own box
    svg_width = browser.eval("document.querySelector('#plots svg').getBoundingClientRect().width")
    assert svg_width >= 860
    box = browser.eval(
        "(() => { const b = document.querySelector('#plots .scroll');"
        " return [b.clientWidth, b.scrollWidth, getComputedStyle(b).overflowX]; })()"
    )
    assert box[0] <= 390 and box[1] >= 860 and box[2] == "auto"
    assert browser.eval("getComputedStyle(document.querySelector('.wide-hint')).display") == "block"
    tick_px = browser.eval(
        "Math.min(...[...document.querySelectorAll('#plots svg text')]"
        ".map(t => t.getBoundingClientRect().height).filter(h => h > 0))"
    )
    assert tick_px >= 6  # the smallest label (7 pt ticks) is not shrunk to a smudge
    body_px = browser.eval("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_px >= 14
    shot = _png(browser.screenshot(tmp_path / "phone.png"))
    assert shot.size == (390, 844)
    # the verdict box (#fdf3f2 with its #b3261e bar) is above the fold
    assert _has_colour(shot, (0xFD, 0xF3, 0xF2), tol=3) > 20_000
    assert _has_colour(shot, (0xB3, 0x26, 0x1E), tol=10) > 300
    verdict_top = browser.eval("document.querySelector('ul.verdict').getBoundingClientRect().top")
    assert verdict_top < 844


def test_no_loss_report_renders_green(browser: Browser, stock_report: Path, tmp_path: Path) -> None:
    browser.load(stock_report.as_uri(), 390, 844, mobile=True)
    assert browser.requests() == [stock_report.as_uri()]
    shot = _png(browser.screenshot(tmp_path / "stock.png"))
    assert _has_colour(shot, (0xEF, 0xF8, 0xF1), tol=3) > 10_000  # the "ok" verdict box
