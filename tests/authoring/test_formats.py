"""GIFT, Aiken and QTI: line-numbered problems on import, and export then import gives the same."""

import io
import zipfile
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnapp.authoring import aiken, bank, gift, qti
from learnapp.authoring.gift import ImportProblems
from learnapp.authoring.portable import PortableOption, PortableQuestion, from_version, true_false

GIFT_SAMPLE = """// difficulty: easy
::header::Which header carries an API key?{
=Authorization
~Accept#Accept names formats.
~Key
####1. Credentials go in Authorization.
}

::urls::Keys in URLs are safe.{F#They end up in logs.}

::ms::How many milliseconds in a second?{#1000:5}

::secrets::Which are secrets?{
~%50%API key
~%50%Password
~%-50%Username#Usernames are shown.
~%-50%Email
}
"""


def same(question: PortableQuestion) -> tuple:
    """What a learner and the grader see of a question."""
    return (
        question.key,
        question.qtype,
        question.difficulty,
        question.scoring,
        question.stem,
        [(o.text, o.correct, o.feedback) for o in question.options],
        question.value,
        question.tolerance,
        question.solution,
    )


def stored(user, pattern, questions) -> dict[str, PortableQuestion]:
    """The questions as saved in the user's bank, exported again, by id."""
    bank.import_questions(user, pattern, questions)
    keys = [bank.stored_key(user, q.key) for q in questions]
    saved = bank.questions_for(user).filter(key__in=keys).select_related("current_version")
    by_key = {q.key: from_version(q.current_version) for q in saved}
    return {q.key: by_key[bank.stored_key(user, q.key)] for q in questions}


def test_gift_reads_the_four_kinds(cast):
    questions = gift.read(GIFT_SAMPLE)

    assert [(q.key, q.qtype, q.is_true_false) for q in questions] == [
        ("header", "single", False),
        ("urls", "single", True),
        ("ms", "numeric", False),
        ("secrets", "multiple", False),
    ]
    assert questions[0].difficulty == "easy"
    assert questions[0].solution == ["Credentials go in Authorization."]
    assert [o.correct for o in questions[1].options] == [False, True]
    assert questions[1].options[0].feedback == "They end up in logs."
    assert (questions[2].value, questions[2].tolerance) == ("1000", "5")
    assert questions[3].scoring == "partial"
    assert [o.correct for o in questions[3].options] == [True, True, False, False]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("::a::Fine?{=a ~b ~c}\n\n::b::Broken?{=a ~b\n", 3, "'{' is not closed"),
        ("::a::Fine?{=a ~b ~c}\n\n\n::b::Essay?{}\n", 4, "essay"),
        ("::a::Name it{=Paris =paris}\n", 1, "short-answer"),
        ("::a::Size?{#lots}\n", 1, "not a number"),
        ("::a::Blank {=x ~y ~z} here\n", 1, "missing-word"),
    ],
)
def test_gift_problems_name_their_line(text, line, message):
    with pytest.raises(ImportProblems) as caught:
        gift.read(text)
    assert caught.value.problems[0].line == line
    assert message in caught.value.problems[0].message


def test_an_import_goes_through_the_editors_checks_and_saves_nothing_on_a_problem(cast):
    # Two options: learnapp's single choice needs three to five (true/false aside).
    text = GIFT_SAMPLE + "\n::two::Only two?{=yes ~no}\n"
    questions = gift.read(text)
    with pytest.raises(ImportProblems) as caught:
        bank.import_questions(cast["teacher"], cast["pattern"], questions)
    problem = caught.value.problems[0]
    assert problem.line == 20
    assert "question 'two'" in problem.message and "give 3 to 5" in problem.message
    assert not bank.questions_for(cast["teacher"]).exists()


def test_importing_the_same_file_again_changes_nothing(cast):
    first = bank.import_questions(cast["teacher"], cast["pattern"], gift.read(GIFT_SAMPLE))
    again = bank.import_questions(cast["teacher"], cast["pattern"], gift.read(GIFT_SAMPLE))
    assert (first.created, again.created, again.updated, again.unchanged) == (4, 0, 0, 4)


def test_aiken_reads_questions_and_names_the_line_of_a_problem():
    questions = aiken.read(
        "Which header?\nA. Authorization\nB. Accept\nC. Key\nANSWER: A\n"
        "What is 2+2?\nA) 3\nB) 4\nC) 5\nANSWER: B\n"
    )
    assert [[o.correct for o in q.options] for q in questions] == [
        [True, False, False],
        [False, True, False],
    ]
    with pytest.raises(ImportProblems) as caught:
        aiken.read("Which?\nA. one\nB. two\nC. three\nANSWER: D\n")
    assert caught.value.problems[0].line == 5
    assert "'ANSWER: D' is not one of the options" in caught.value.problems[0].message


# -- round trips -------------------------------------------------------------------------------

# Words with the characters GIFT must escape and markdown must keep literal.
word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789~=#{}:%()?!,'", min_size=1, max_size=8)
sentence = (
    st.lists(word, min_size=1, max_size=6)
    .map(" ".join)
    .filter(lambda s: s[0].isalnum() and s.lower() not in ("true", "false"))
)


@st.composite
def questions(draw):
    key = draw(st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5}){0,2}", fullmatch=True))
    difficulty = draw(st.sampled_from(["easy", "medium", "hard"]))
    stem = draw(sentence) + "?"
    solution = draw(st.lists(sentence, min_size=1, max_size=3))
    kind = draw(st.sampled_from(["single", "multiple", "numeric", "true_false"]))
    if kind == "numeric":
        value = draw(st.decimals(min_value=-10000, max_value=10000, places=2))
        tolerance = draw(st.sampled_from(["", "0.5", "2"]))
        return PortableQuestion(
            key=key,
            stem=stem,
            qtype="numeric",
            difficulty=difficulty,
            value=format(value.normalize(), "f"),
            tolerance=tolerance,
            solution=solution,
        )
    if kind == "true_false":
        question = true_false(key, stem, draw(st.booleans()), difficulty=difficulty)
        question.solution = solution
        wrong = next(o for o in question.options if not o.correct)
        wrong.feedback = draw(st.one_of(st.just(""), sentence))
        return question
    texts = draw(st.lists(sentence, min_size=3, max_size=5, unique_by=str.lower))
    if kind == "single":
        right = {draw(st.integers(0, len(texts) - 1))}
    else:
        right = set(draw(st.lists(st.integers(0, len(texts) - 1), min_size=1, unique=True)))
        if len(right) == len(texts):
            right.discard(0)
    options = [
        PortableOption(
            text, n in right, "" if n in right else draw(st.one_of(st.just(""), sentence))
        )
        for n, text in enumerate(texts)
    ]
    return PortableQuestion(
        key=key,
        stem=stem,
        qtype=kind,
        difficulty=difficulty,
        scoring=draw(st.sampled_from(["partial", "all-or-nothing"])) if kind == "multiple" else "",
        options=options,
        solution=solution,
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(question=questions())
def test_gift_export_then_import_gives_the_same_questions(cast, question):
    # Examples share the test's database: each is read back by its own id.
    before = stored(cast["teacher"], cast["pattern"], [question])[question.key]
    again = gift.read(gift.write([before]))
    assert [same(q) for q in again] == [same(before)]
    # And stored again (by another instructor), it renders exactly as the first.
    after = stored(cast["other"], cast["pattern"], again)[question.key]
    assert same(after) == same(before)


QTI_EXAMPLES = [
    gift.read(GIFT_SAMPLE),
    [
        PortableQuestion(
            key="code-header",
            stem="Which line sends the key?\n\n```\ncurl -H 'Authorization: Bearer $KEY'\n```",
            difficulty="hard",
            options=[
                PortableOption("The `-H` header line", True),
                PortableOption("A `?key=` query string", False, "Query strings are *logged*."),
                PortableOption("A cookie", False),
            ],
            solution=["Headers stay out of logs.", "Bearer is the scheme."],
        )
    ],
]


@pytest.mark.parametrize("examples", QTI_EXAMPLES)
def test_qti_export_then_import_gives_the_same_questions(cast, examples):
    before = list(stored(cast["teacher"], cast["pattern"], examples).values())
    package = qti.write_package("Keys quiz", "learnapp_quiz_1", before)
    again = qti.read_package(package)
    assert [same(q) for q in again] == [same(q) for q in before]


def test_the_qti_package_has_the_structure_canvas_imports(cast):
    before = list(stored(cast["teacher"], cast["pattern"], gift.read(GIFT_SAMPLE)).values())
    package = zipfile.ZipFile(io.BytesIO(qti.write_package("Keys quiz", "quiz1", before)))
    assert sorted(package.namelist()) == ["imsmanifest.xml", "quiz1/quiz1.xml"]

    manifest = ET.fromstring(package.read("imsmanifest.xml"))
    ns = {"m": qti.MANIFEST_NS}
    resource = manifest.find("m:resources/m:resource", ns)
    assert resource.get("type") == "imsqti_xmlv1p2"
    assert resource.find("m:file", ns).get("href") == "quiz1/quiz1.xml"

    root = ET.fromstring(package.read("quiz1/quiz1.xml"))
    q = {"q": qti.QTI_NS}
    assert root.tag == f"{{{qti.QTI_NS}}}questestinterop"
    assessment = root.find("q:assessment", q)
    assert assessment.get("ident") == "quiz1" and assessment.get("title") == "Keys quiz"
    items = assessment.findall("q:section/q:item", q)
    assert all(item.get("ident") for item in items)
    types = [
        next(
            f.findtext("q:fieldentry", namespaces=q)
            for f in item.iter(f"{{{qti.QTI_NS}}}qtimetadatafield")
            if f.findtext("q:fieldlabel", namespaces=q) == "question_type"
        )
        for item in items
    ]
    assert types == [
        "multiple_choice_question",
        "true_false_question",
        "numerical_question",
        "multiple_answers_question",
    ]
    for item, kind in zip(items, types, strict=True):
        assert item.find("q:resprocessing", q) is not None
        response = (
            "q:presentation/q:response_str"
            if kind == "numerical_question"
            else "q:presentation/q:response_lid"
        )
        assert item.find(response, q) is not None
        if kind != "numerical_question":
            cardinality = item.find(response, q).get("rcardinality")
            assert cardinality == ("Multiple" if kind == "multiple_answers_question" else "Single")
            labels = [label.get("ident") for label in item.iter(f"{{{qti.QTI_NS}}}response_label")]
            scored = [v.text for v in item.iter(f"{{{qti.QTI_NS}}}varequal")]
            assert set(scored) <= set(labels)
