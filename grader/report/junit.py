"""The results as JUnit XML, the test report every CI system can show.

Valid against Jenkins' xUnit ``junit-10.xsd`` (which also holds for GitLab's
parser and the GitHub reporters): one testsuite, one testcase per check
(``name`` is the stable check id, so a CI's history of a check survives a
change of language); a failed check has a ``failure``, a skipped one
``skipped``, a grader error ``error``.  That schema allows no ``file`` or
``line`` on a testcase; ``render_junit(result, locations=True)`` adds them
where a failure points at the student's ``file:line``, for the reporters that
annotate code with them (GitHub's, GitLab's), at the cost of Jenkins' schema.
All text goes through ElementTree (XML escaping) after characters that XML
1.0 cannot carry at all are replaced.
"""

import re
import xml.etree.ElementTree as ET

from grader.i18n import _
from grader.report.explain import explanation, reason
from grader.report.sanitize import for_xml

MAX_ATTRIBUTE = 500  # a failure's message attribute is its first line; the element's text has the rest
# "server.py:17" in a message or diagnosis: where the student's code broke (relative paths only: ours are absolute).
_WHERE = re.compile(r"(?<![\w/.\\-])((?:[\w.-]+/)*[\w.-]+\.py):(\d+)\b")


def render_junit(result, locations=False):
    """The JUnit XML document of ``result`` as a string (UTF-8 declared).

    ``locations``: add ``file`` and ``line`` to a testcase whose failure names
    a student ``file:line`` (not valid for Jenkins' xUnit schema).
    """
    counts = result.counts()
    suites = ET.Element("testsuites", _attributes(
        name=result.lab, tests=len(result.checks), failures=counts["failed"], errors=counts["error"],
        time=_time(result.duration_s)))
    suite = ET.SubElement(suites, "testsuite", _attributes(
        name=f"{result.lab}: {result.submission}", tests=len(result.checks), failures=counts["failed"],
        errors=counts["error"], skipped=counts["skipped"], time=_time(result.duration_s)))
    properties = ET.SubElement(suite, "properties")
    for name, value in (("score", f"{result.score:g}"), ("max_score", f"{result.max_score:g}"),
                        ("isolation", result.isolation), ("lab_version", result.lab_version),
                        ("grader_version", result.grader_version)):
        ET.SubElement(properties, "property", _attributes(name=name, value=value))
    for check in result.checks:
        group = check.id.split(".")[0] if "." in check.id else "checks"
        attributes = dict(classname=f"{result.lab}.{group}", name=check.id, time=_time(check.duration_s))
        where = location(check) if locations and check.status in ("failed", "error") else None
        if where:
            attributes.update(file=where[0], line=where[1])
        case = ET.SubElement(suite, "testcase", _attributes(**attributes))
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
    return _document(suites)


def render_junit_locations(result):
    """``render_junit`` with ``file``/``line`` on failing testcases (for GitHub and GitLab annotations)."""
    return render_junit(result, locations=True)


def render_junit_ungradable(ungradable):
    """A submission that could not be graded: one testcase ``submission`` with an ``error`` (the reason)."""
    reason_text = " ".join(str(ungradable.reason).split())
    suites = ET.Element("testsuites", _attributes(name=ungradable.lab, tests=1, failures=0, errors=1, time="0"))
    suite = ET.SubElement(suites, "testsuite", _attributes(
        name=f"{ungradable.lab}: {ungradable.submission}", tests=1, failures=0, errors=1, skipped=0, time="0"))
    properties = ET.SubElement(suite, "properties")
    for name, value in (("score", "0"), ("max_score", f"{ungradable.max_score:g}"),
                        ("lab_version", ungradable.lab_version), ("grader_version", ungradable.grader_version)):
        ET.SubElement(properties, "property", _attributes(name=name, value=value))
    case = ET.SubElement(suite, "testcase", _attributes(classname=f"{ungradable.lab}.submission",
                                                        name="submission", time="0"))
    element = ET.SubElement(case, "error", _attributes(message=reason_text[:MAX_ATTRIBUTE], type="ungradable"))
    element.text = for_xml(str(ungradable.reason))
    return _document(suites)


def location(check):
    """(file, line) of the first student ``file:line`` a check's message or diagnosis names, else None."""
    details = check.details or {}
    texts = [check.message, *(details.get("diagnosis") or [])]
    for text in texts:
        match = _WHERE.search(str(text or ""))
        if match:
            return match[1], match[2]
    return None


def _document(root):
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _time(seconds):
    # The schema's SUREFIRE_TIME: digits, at most three decimals, never an exponent or a sign.
    return f"{max(0.0, seconds):.3f}"


def _attributes(**values):
    return {key: for_xml(str(value)) for key, value in values.items()}


def _first_line(check):
    text = " ".join(reason(check).split())
    return text if len(text) <= MAX_ATTRIBUTE else text[:MAX_ATTRIBUTE - 1] + "…"


def _points(check):
    return _("{title}: {score:g} of {max:g} points").format(
        title=check.title, score=check.score, max=check.max_score) + "\n"
