"""An evaluation report as JUnit XML, so CI systems show each golden case as a test."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from assistant.evaluation.metrics import EvalReport


def write_junit(report: EvalReport, path: Path, name: str = "golden") -> None:
    failures = [case for case in report.cases if not case.passed]
    total_ms = sum(case.latency_ms for case in report.cases)
    suite = ET.Element(
        "testsuite",
        name=name,
        tests=str(len(report.cases)),
        failures=str(len(failures)),
        errors="0",
        skipped="0",
        time=f"{total_ms / 1000:.3f}",
    )
    for case in report.cases:
        element = ET.SubElement(
            suite,
            "testcase",
            classname=f"{name}.{report.mode}",
            name=case.id,
            time=f"{case.latency_ms / 1000:.3f}",
        )
        if not case.passed:
            failure = ET.SubElement(element, "failure", message="; ".join(case.reasons))
            failure.text = f"question: {case.question}\nanswer: {case.answer}"
    properties = ET.SubElement(suite, "properties")
    for metric, value in report.metrics.items():
        ET.SubElement(properties, "property", name=metric, value=f"{value:.4f}")
    root = ET.Element("testsuites", name=name)
    root.append(suite)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)
