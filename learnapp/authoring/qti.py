"""IMS QTI 1.2 packages in the shape Canvas exports and imports ("QTI .zip file").

A zip with imsmanifest.xml naming one assessment file, <ident>/<ident>.xml, which holds a
questestinterop > assessment > section > item per question. Each item says its Canvas type in
itemmetadata (question_type), its text and options as HTML in mattext, and how it is scored in
resprocessing. learnapp's difficulty and scoring rule ride along as extra metadata fields, which
Canvas ignores and learnapp reads back.
"""

import io
import re
import zipfile
from decimal import Decimal
from xml.etree import ElementTree as ET

from learnapp.catalog.markdown import render_block, render_inline

from .portable import (
    ImportProblem,
    PortableOption,
    PortableQuestion,
    html_to_markdown,
    html_to_text,
    true_false,
)

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
MANIFEST_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_TYPES = {
    "single": "multiple_choice_question",
    "multiple": "multiple_answers_question",
    "numeric": "numerical_question",
    "true_false": "true_false_question",
}


def _canvas_type(question: PortableQuestion) -> str:
    return CANVAS_TYPES["true_false" if question.is_true_false else question.qtype]


def _sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _meta(parent, fields: list[tuple[str, str]]) -> None:
    qtimetadata = _sub(parent, "qtimetadata")
    for label, entry in fields:
        field = _sub(qtimetadata, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)


def _material(parent, html: str) -> None:
    _sub(_sub(parent, "material"), "mattext", html, texttype="text/html")


def _item(section, number: int, q: PortableQuestion) -> None:
    ident = f"item{number}"
    item = _sub(section, "item", ident=ident, title=q.key)
    answer_ids = [f"{ident}_{n}" for n in range(1, len(q.options) + 1)]
    _meta(
        _sub(item, "itemmetadata"),
        [
            ("question_type", _canvas_type(q)),
            ("points_possible", "1.0"),
            ("original_answer_ids", ",".join(answer_ids)),
            ("learnapp_difficulty", q.difficulty),
            ("learnapp_scoring", q.scoring),
        ],
    )
    presentation = _sub(item, "presentation")
    _material(presentation, render_block(q.stem))
    processing = _sub(item, "resprocessing")
    outcomes = _sub(processing, "outcomes")
    _sub(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    feedback: list[tuple[str, str]] = []
    if q.qtype == "numeric":
        response = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
        scored = _sub(processing, "respcondition", continue_="No")
        condition = _sub(scored, "conditionvar")
        value, tolerance = Decimal(q.value), Decimal(q.tolerance or 0)
        either = _sub(condition, "or")
        _sub(either, "varequal", q.value, respident="response1")
        both = _sub(either, "and")
        _sub(both, "vargte", format(value - tolerance, "f"), respident="response1")
        _sub(both, "varlte", format(value + tolerance, "f"), respident="response1")
        _sub(scored, "setvar", "100", action="Set", varname="SCORE")
    else:
        cardinality = "Multiple" if q.qtype == "multiple" else "Single"
        response = _sub(presentation, "response_lid", ident="response1", rcardinality=cardinality)
        choices = _sub(response, "render_choice")
        for answer_id, option in zip(answer_ids, q.options, strict=True):
            label = _sub(choices, "response_label", ident=answer_id)
            _material(label, render_inline(option.text))
            if option.feedback:
                feedback.append((f"{answer_id}_fb", render_inline(option.feedback)))
                shown = _sub(processing, "respcondition", continue_="Yes")
                _sub(_sub(shown, "conditionvar"), "varequal", answer_id, respident="response1")
                _sub(shown, "displayfeedback", feedbacktype="Response", linkrefid=f"{answer_id}_fb")
        scored = _sub(processing, "respcondition", continue_="No")
        condition = _sub(scored, "conditionvar")
        if q.qtype == "multiple":
            every = _sub(condition, "and")
            for answer_id, option in zip(answer_ids, q.options, strict=True):
                parent = every if option.correct else _sub(every, "not")
                _sub(parent, "varequal", answer_id, respident="response1")
        else:
            right = next(a for a, o in zip(answer_ids, q.options, strict=True) if o.correct)
            _sub(condition, "varequal", right, respident="response1")
        _sub(scored, "setvar", "100", action="Set", varname="SCORE")
    if q.solution:
        general = "".join(render_block(f"{n}. {s}") for n, s in enumerate(q.solution, 1))
        shown = _sub(processing, "respcondition", continue_="Yes")
        _sub(_sub(shown, "conditionvar"), "other")
        _sub(shown, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
        feedback.append(("general_fb", general))
    for ident_, html in feedback:
        block = _sub(item, "itemfeedback", ident=ident_)
        _material(_sub(block, "flow_mat"), html)


def assessment_xml(title: str, ident: str, questions: list[PortableQuestion]) -> bytes:
    root = ET.Element("questestinterop", {"xmlns": QTI_NS})
    assessment = _sub(root, "assessment", ident=ident, title=title)
    _meta(assessment, [("cc_maxattempts", "1")])
    section = _sub(assessment, "section", ident="root_section")
    for number, question in enumerate(questions, start=1):
        _item(section, number, question)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def manifest_xml(ident: str) -> bytes:
    root = ET.Element("manifest", {"identifier": f"{ident}_manifest", "xmlns": MANIFEST_NS})
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "IMS Content")
    _sub(metadata, "schemaversion", "1.1.3")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    resource = _sub(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
    _sub(resource, "file", href=f"{ident}/{ident}.xml")
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def write_package(title: str, ident: str, questions: list[PortableQuestion]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("imsmanifest.xml", manifest_xml(ident))
        package.writestr(f"{ident}/{ident}.xml", assessment_xml(title, ident, questions))
    return buffer.getvalue()


# -- reading (a package this module wrote, or Canvas's own of these four types) ----------------


def _strip_ns(root: ET.Element) -> ET.Element:
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
    return root


def read_package(data: bytes) -> list[PortableQuestion]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            manifest = _strip_ns(ET.fromstring(package.read("imsmanifest.xml")))
            questions: list[PortableQuestion] = []
            for resource in manifest.iter("resource"):
                if resource.get("type", "").startswith("imsqti_xmlv1p2"):
                    href = resource.find("file").get("href")
                    questions.extend(read_assessment(package.read(href)))
            return questions
    except (zipfile.BadZipFile, KeyError, ET.ParseError, AttributeError) as exc:
        raise ImportProblem(1, f"not a QTI 1.2 package: {exc}") from exc


def _fields(element) -> dict[str, str]:
    return {
        f.findtext("fieldlabel", ""): f.findtext("fieldentry", "")
        for f in element.iter("qtimetadatafield")
    }


def read_assessment(xml: bytes) -> list[PortableQuestion]:
    root = _strip_ns(ET.fromstring(xml))
    questions = []
    for item in root.iter("item"):
        meta = _fields(item.find("itemmetadata"))
        kind = meta.get("question_type", "")
        stem = html_to_markdown(item.findtext("presentation/material/mattext", ""))
        feedback = {
            block.get("ident"): block.findtext("flow_mat/material/mattext", "")
            for block in item.iter("itemfeedback")
        }
        solution = []
        if "general_fb" in feedback:
            text = html_to_markdown(feedback["general_fb"])
            solution = [re.sub(r"^\d+[.)]\s+", "", s) for s in text.splitlines() if s.strip()]
        common = {
            "difficulty": meta.get("learnapp_difficulty") or "medium",
            "solution": solution,
        }
        key = item.get("title") or item.get("ident")
        scored = [c for c in item.iter("respcondition") if c.find("setvar") is not None]
        if kind == "numerical_question":
            condition = scored[0].find("conditionvar")
            value = condition.findtext(".//varequal")
            low, high = (
                Decimal(condition.findtext(".//vargte")),
                Decimal(condition.findtext(".//varlte")),
            )
            tolerance = (high - low) / 2
            questions.append(
                PortableQuestion(
                    key=key,
                    stem=stem,
                    qtype="numeric",
                    value=value,
                    tolerance=format(tolerance.normalize(), "f") if tolerance else "",
                    **common,
                )
            )
            continue
        labels = item.findall(".//response_label")
        condition = scored[0].find("conditionvar")
        if kind == "multiple_answers_question":
            wrong = {v.text for n in condition.iter("not") for v in n.iter("varequal")}
            right = {v.text for v in condition.iter("varequal")} - wrong
        else:
            right = {v.text for v in condition.iter("varequal")}
        options = [
            PortableOption(
                text=html_to_markdown(label.findtext("material/mattext", "")),
                correct=label.get("ident") in right,
                feedback=html_to_markdown(feedback.get(f"{label.get('ident')}_fb", "")),
            )
            for label in labels
        ]
        if kind == "true_false_question":
            by_text = {html_to_text(o.text).lower(): o for o in options}
            if set(by_text) != {"true", "false"}:
                raise ImportProblem(1, f"item '{key}': a true/false item needs True and False")
            question = true_false(key, stem, by_text["true"].correct, **common)
            for option in question.options:
                option.feedback = by_text[option.text.lower()].feedback
            questions.append(question)
        elif kind == "multiple_answers_question":
            questions.append(
                PortableQuestion(
                    key=key,
                    stem=stem,
                    qtype="multiple",
                    scoring=meta.get("learnapp_scoring") or "partial",
                    options=options,
                    **common,
                )
            )
        elif kind == "multiple_choice_question":
            questions.append(PortableQuestion(key=key, stem=stem, options=options, **common))
        else:
            raise ImportProblem(1, f"item '{key}': question type '{kind}' is not supported")
    return questions
