"""``e820scope report``: the page's content and self-containment, checked in the HTML
(the rendered page is checked in Chromium by test_report_browser.py)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from e820scope.cli.main import cli

from .conftest import LAB, PATCHED, make_report


class _Refs(HTMLParser):
    """Every URL an element would load, and the text of the SVG ``<text>`` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.svg_text: list[str] = []
        self.tags: list[str] = []
        self._in_text = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_text = tag == "text"
        for k, v in attrs:
            if k in ("src", "href", "xlink:href", "action", "poster") and v:
                self.urls.append(v)

    def handle_endtag(self, tag: str) -> None:
        if tag == "text":
            self._in_text = False

    def handle_data(self, data: str) -> None:
        if self._in_text and data.strip():
            self.svg_text.append(data.strip())


def _parse(html: str) -> _Refs:
    p = _Refs()
    p.feed(html)
    return p


def test_self_contained(patched_report: Path) -> None:
    html = patched_report.read_text(encoding="utf-8")
    refs = _parse(html)
    # only in-page references (the SVG's own markers and clip paths)
    assert refs.urls and all(u.startswith("#") for u in refs.urls), set(refs.urls) - {"#"}
    assert "<link" not in html and "<img" not in html and "@import" not in html
    assert not re.search(r"url\((?!#)", html), "a CSS url() that is not in-page"
    # no executable script: only JSON data blocks
    assert set(re.findall(r'<script type="([^"]+)"', html)) == {"application/json"}
    assert html.count("<script") == 2


def test_sections_and_facts(patched_report: Path) -> None:
    html = patched_report.read_text(encoding="utf-8")
    for ident in ("verdict", "timeline", "plots", "diffs", "fates", "prediction", "remedies"):
        assert f'id="{ident}"' in html, ident
    verdict = html.split('id="verdict"', 1)[1].split("</section>", 1)[0]
    assert f"{PATCHED}#58 was the first boot to lose usable RAM: 1 GiB less" in verdict
    assert "0x100000000-0x13fffffff usable (1 GiB)" in verdict
    assert f"{PATCHED}#64 did not come up: panic: Kernel panic - not syncing" in verdict
    # the key diffs: gen 1 -> 2 split, gen 57 -> 58 loss, with the log lines quoted
    assert f"First split: {PATCHED}#1 → {PATCHED}#2" in html
    assert f"First loss of usable RAM: {PATCHED}#57 → {PATCHED}#58" in html
    lines = PATCHED.read_text(encoding="utf-8").splitlines()
    quoted = re.findall(
        r'<span class="where mono">([^<]+):(\d+)</span><code class="line">([^<]*)', html
    )
    assert len(quoted) >= 10
    for path, line, text in quoted:
        assert path == str(PATCHED)
        # the quote is the kernel message of that line (container prefix stripped)
        assert lines[int(line) - 1].endswith(text.replace("&gt;", ">").replace("&amp;", "&")), line
    assert any("0x0000000100000000-0x000000013fffffff] usable" in t for _, _, t in quoted)
    assert any("Kernel panic - not syncing" in t for _, _, t in quoted)


def test_timeline_rows_and_marks(patched_report: Path) -> None:
    html = patched_report.read_text(encoding="utf-8")
    table = html.split('id="timeline"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr class=\"([a-z]*)\"", table)
    assert len(rows) == 64
    assert rows[63] == "fate" and rows[57] == "loss" and rows[:57] == [""] * 57
    assert "-7128 KiB" in table and "-14688232 B" in table and "-1 GiB" in table


def test_svg_text_is_text(patched_report: Path) -> None:
    refs = _parse(patched_report.read_text(encoding="utf-8"))
    texts = " ".join(refs.svg_text)
    assert "(a) e820 entries per kexec generation" in texts
    assert "zeropage cap: 128 entries" in texts
    assert refs.tags.count("svg") == 1


def test_json_blocks_are_the_documents(patched_report: Path) -> None:
    html = patched_report.read_text(encoding="utf-8")
    blocks = dict(re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html))
    predict = json.loads(blocks["e820scope-predict"].replace("<\\/", "</"))
    timeline = json.loads(blocks["e820scope-timeline"].replace("<\\/", "</"))
    assert predict["schema"] == "e820scope.predict/4" and predict["first_loss"]["generation"] == 58
    assert timeline["schema"] == "e820scope.timeline/4" and len(timeline["rows"]) == 64


def test_page_names_the_command_and_is_reproducible(tmp_path: Path) -> None:
    args = ["--kernel", "5.7", "--path", "kexec_file_load", str(LAB / "stock-6.1-ovmf-2g-boot.log")]
    first = make_report(tmp_path / "a.html", *args)
    again = make_report(tmp_path / "a.html", *args)
    assert first == again  # same input, same bytes
    made_by = (
        f"e820scope report --kernel 5.7 --path kexec_file_load {args[-1]} -o {tmp_path}/a.html"
    )
    assert f'Made by <span class="mono">{made_by}</span>' in first


def test_no_loss_chain_says_so(stock_report: Path) -> None:
    html = stock_report.read_text(encoding="utf-8")
    assert '<ul class="verdict ok">' in html
    assert "Prediction: no memory loss (each kexec&#x27;d kernel&#x27;s own setup_data" in html
    assert "First loss of usable RAM" not in html


def test_one_file_per_generation(tmp_path: Path) -> None:
    gens = [str(LAB / "patched-6.1-ovmf-4g-chain" / f"gen{n:02d}.log") for n in (1, 2, 3)]
    html = make_report(tmp_path / "r.html", *gens)
    assert f"First split: {gens[0]}#1 → {gens[1]}#1" in html
    assert "will be generation 58, 55 reboot(s) after the last seen (gen 3)" in html


def test_stdin_is_named_and_not_quoted(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    text = PATCHED.read_text(encoding="utf-8")
    r = CliRunner().invoke(cli, ["report", "-", "-o", str(out)], input=text)
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert "&lt;stdin&gt;#58 was the first boot to lose usable RAM" in html
    assert "not quoted: stdin cannot be read twice" in html


def test_bad_output_path_exit_2(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["report", str(PATCHED), "-o", str(tmp_path / "no" / "r.html")])
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "does not exist" in r.stderr
