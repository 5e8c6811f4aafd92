"""The results as JUnit XML, the test report every CI system can show.

One testsuite, one testcase per check (``name`` is the stable check id, so a
CI's history of a check survives a change of language); a failed check has a
``failure``, a skipped one ``skipped``, a grader error ``error``.  All text
goes through ElementTree (XML escaping) after characters that XML 1.0 cannot
carry at all are replaced.
"""

import xml.etree.ElementTree as ET

from grader.i18n import _
from grader.report.explain import explanation, reason
from grader.report.sanitize import for_xml

MAX_ATTRIBUTE = 500  # a failure's message attribute is its first line; the element's text has the rest


def render_junit(result):
    """The JUnit XML document of ``result`` as a string (UTF-8 declared)."""
    counts = result.counts()
    suites = ET.Element("testsuites", _attributes(
        name=result.lab, tests=len(result.checks), failures=counts["failed"], errors=counts["error"],
        skipped=counts["skipped"], time=f"{result.duration_s:.3f}"))
    suite = ET.SubElement(suites, "testsuite", _attributes(
        name=f"{result.lab}: {result.submission}", tests=len(result.checks), failures=counts["failed"],
        errors=counts["error"], skipped=counts["skipped"], time=f"{result.duration_s:.3f}"))
    properties = ET.SubElement(suite, "properties")
    for name, value in (("score", f"{result.score:g}"), ("max_score", f"{result.max_score:g}"),
                        ("isolation", result.isolation), ("lab_version", result.lab_version),
                        ("grader_version", result.grader_version)):
        ET.SubElement(properties, "property", _attributes(name=name, value=value))
    for check in result.checks:
        group = check.id.split(".")[0] if "." in check.id else "checks"
        case = ET.SubElement(suite, "testcase", _attributes(
            classname=f"{result.lab}.{group}", name=check.id, time=f"{check.duration_s:.3f}"))
        if check.status == "failed":
            element = ET.SubElement(case, "failure", _attributes(message=_first_line(check), type="failed"))
            element.text = for_xml(_points(check) + explanation(check))
        elif check.status == "error":
            element = ET.SubElement(case, "error", _attributes(message=_first_line(check), type="error"))
            element.text = for_xml(explanation(check))
        elif check.status == "skipped":
            ET.SubElement(case, "skipped", _attributes(message=_first_line(check)))
        out = ET.SubElement(case, "system-out")
        out.text = for_xml(f"{check.title}\n{check.score:g}/{check.max_score:g}")
    if result.notes:
        notes = ET.SubElement(suite, "system-out")
        notes.text = for_xml("\n".join(result.notes))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _attributes(**values):
    return {key: for_xml(str(value)) for key, value in values.items()}


def _first_line(check):
    text = " ".join(reason(check).split())
    return text if len(text) <= MAX_ATTRIBUTE else text[:MAX_ATTRIBUTE - 1] + "…"


def _points(check):
    return _("{title}: {score:g} of {max:g} points").format(
        title=check.title, score=check.score, max=check.max_score) + "\n"
