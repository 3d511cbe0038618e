"""HTML and PDF reports for hand-made assessments (no pose model)."""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape

import numpy as np
import pytest

from fixtures_assessment import (
    make_assessment,
    make_kinematics,
    standing_pose,
    with_long_names,
)
from hipcheck.metrics import PELVIC_DROP
from hipcheck.model import Assessment
from hipcheck.program import ProgramContext, attach_program
from hipcheck.program.model import EQUIPMENT
from hipcheck.reports import ReportOptions, report_format, write_report
from hipcheck.reports.draw import key_frame
from hipcheck.reports.metrics import worst_rep
from hipcheck.reports.report_html import render_html
from hipcheck.reports.report_pdf import render_pdf, render_pdf_bytes

NASTY_ID = '<script>alert(1)</script> Zoë & "Łukasz" 李'

CASES = {
    "findings": lambda: make_assessment(),
    "no-findings": lambda: make_assessment(findings=False),
    "not-measurable": lambda: make_assessment(knee_status="not_measurable", pelvic_status="nm"),
    "indicative-pelvis": lambda: make_assessment(pelvic_status="indicative"),
    "long-names": lambda: with_long_names(make_assessment(pelvic_status="indicative")),
    "no-program": lambda: make_assessment(program=False),
}


def _key_frames(a: Assessment) -> list[np.ndarray]:
    img = np.full((640, 360, 3), 80, np.uint8)
    return [key_frame(img, standing_pose(), worst_rep(a), a)]


def pdf_page_count(pdf: bytes) -> int:
    """Count page objects (``/Type /Page``, not ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.fixture(scope="module")
def kinematics():
    return make_kinematics(make_assessment())


@pytest.mark.parametrize("case", list(CASES))
def test_html_report_renders_self_contained(case, kinematics):
    a = CASES[case]()
    html = render_html(
        a,
        ReportOptions(
            kinematics=kinematics,
            key_frames=_key_frames(a),
            patient_id=NASTY_ID,
            session_date="2026-05-01",
        ),
    )
    assert html.startswith("<!DOCTYPE html>")
    # no script element at all, and no external resources
    assert "<script" not in html.lower()
    assert not re.search(r"(src|href)\s*=\s*\"(?!data:)", html)
    assert "http://" not in html and "https://" not in html
    assert html.count('src="data:image/png;base64,') == 2  # plot + key frame
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Zoë &amp; &#34;Łukasz&#34; 李" in html
    # every rep is in the table
    for rep in a.reps:
        assert f'<td data-label="Rep">{rep.index}</td>' in html
    assert "not a diagnosis" in html


def test_html_injection_from_every_free_text_field(kinematics):
    a = with_long_names(make_assessment())
    html = render_html(a, ReportOptions(kinematics=kinematics))
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<b>bold?</b>" not in html and "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "alert(3)" in html and "<script>alert(3)" not in html
    # the file name is shown (base name only) and escaped
    assert "Zoë &amp; &#34;Łukasz&#34; 李.mp4" in html


def test_html_states_status_where_the_number_would_be(kinematics):
    html = render_html(make_assessment(knee_status="not_measurable", pelvic_status="indicative"))
    assert html.count("knee not visible (side view)") >= 6
    reason = escape(PELVIC_DROP.unrated_reason, quote=True).replace("&#x27;", "&#39;")
    assert f"indicative, not rated: {reason}" in html
    assert "~+7.0°" in html


def test_html_without_findings_says_so():
    html = render_html(make_assessment(findings=False))
    assert "None of the rated measures is in the fair or poor range." in html
    assert 'class="finding' not in html


@pytest.mark.parametrize("case", list(CASES))
def test_pdf_report_renders_in_one_to_three_pages(case, kinematics, tmp_path):
    a = CASES[case]()
    out = render_pdf(
        a,
        tmp_path / "report.pdf",
        ReportOptions(
            kinematics=kinematics,
            key_frames=_key_frames(a),
            patient_id=NASTY_ID,
            session_date="1 May 2026",
        ),
    )
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert 1 <= pdf_page_count(data) <= 3


def test_pdf_shrinks_to_fit_three_pages(kinematics):
    # the longest program the library makes: every finding poor, lateral hip pain, an
    # athlete with all equipment (each phase at its cap of exercises)
    a = attach_program(
        make_assessment(),
        ProgramContext(equipment=frozenset(EQUIPMENT), lateral_hip_pain=True, athlete=True),
    )
    frames = _key_frames(a) * 2
    pdf, pages = render_pdf_bytes(a, ReportOptions(kinematics=kinematics, key_frames=frames))
    assert pages == pdf_page_count(pdf)
    assert pages <= 3


def test_pdf_without_plots_or_frames_is_short():
    pdf, pages = render_pdf_bytes(make_assessment(findings=False, program=False))
    assert pdf.startswith(b"%PDF") and 1 <= pages <= 2


def test_pdf_embeds_dejavu_for_non_latin1_names():
    pdf, _ = render_pdf_bytes(make_assessment(), ReportOptions(patient_id="Zoë Łukasz 李"))
    assert b"DejaVuSans" in pdf  # the TTF from matplotlib, subset and embedded


def test_write_report_registry(tmp_path, kinematics):
    a = make_assessment()
    options = ReportOptions(kinematics=kinematics, patient_id="A-1")
    html = write_report(a, tmp_path / "r.html", options=options)
    assert "A-1" in html.read_text(encoding="utf-8")
    pdf = write_report(a, tmp_path / "r.out", "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert report_format("x.PDF") == "pdf" and report_format("x", "HTML") == "html"
    with pytest.raises(ValueError, match="Cannot tell"):
        report_format("report.docx")
    with pytest.raises(ValueError, match="Unknown report format"):
        write_report(a, tmp_path / "r.txt", "docx")


def test_reports_render_a_program_from_hipcheck_program(kinematics):
    a = attach_program(make_assessment(), ProgramContext(equipment=frozenset({"band"})))
    program = a.program
    assert program is not None
    html = render_html(a, ReportOptions(kinematics=kinematics, key_frames=_key_frames(a)))
    for item in program.items:
        assert escape(item.name, quote=True).replace("&#x27;", "&#39;") in html
    assert program.safety.red_flags[0].replace("'", "&#39;") in html
    options = ReportOptions(kinematics=kinematics, key_frames=_key_frames(a) * 2)
    pdf, pages = render_pdf_bytes(a, options)
    assert 1 <= pages <= 3 and pdf_page_count(pdf) == pages


def test_report_texts_are_bounded_and_long_ids_refused(tmp_path):
    """A 5 MB note in a (hostile) assessment is cut; a 50 kB patient id is refused."""
    import time

    from hipcheck.errors import UsageError
    from hipcheck.reports import MAX_FIELD_CHARS, MAX_TEXT_CHARS

    a = replace(make_assessment(), quality=("x" * 5_000_000, "ok \x1b[2Jnote"))
    t0 = time.perf_counter()
    pdf = write_report(a, tmp_path / "r.pdf").read_bytes()
    html = write_report(a, tmp_path / "r.html").read_text(encoding="utf-8")
    assert time.perf_counter() - t0 < 60  # without the cap: minutes (measured: 50 kB = 4.7 s)
    assert pdf.startswith(b"%PDF") and 1 <= pdf_page_count(pdf) <= 3
    assert "x" * MAX_TEXT_CHARS not in html and "x" * (MAX_TEXT_CHARS - 1) + "\u2026" in html
    assert "\x1b" not in html and "ok [2Jnote" in html
    with pytest.raises(UsageError, match="patient id"):
        ReportOptions(patient_id="p" * (MAX_FIELD_CHARS + 1))
    assert ReportOptions(patient_id=" P-1\x1b[31m ").patient_id == "P-1[31m"
    assert not list(tmp_path.glob(".*"))  # no temporary file left beside the reports
