"""A new instructor's first steps, at desktop and phone widths: from the landing page to their
own questions, a question with a mistake and then without, and on to a class's quiz picker."""

import pytest
from playwright.sync_api import expect

from learnapp.accounts.models import Profile
from learnapp.classes.models import Classroom, Membership
from tests.factories import PatternFactory, UserFactory, make_instructor

from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"

QUESTION = """## Question 1
id: walk-bearer
difficulty: easy

Which header carries a bearer token?

### Options
- [x] `Authorization: Bearer <token>`
- [ ] `X-Token: <token>`
- [ ] `Cookie: token=<token>`

### Solution
1. RFC 6750 puts the token in the Authorization header.

### Final answer
Authorization: Bearer
"""


@pytest.mark.parametrize("width", [1280, 390])
def test_a_new_instructor_finds_their_questions_and_fixes_a_mistake(page, transactional_db, width):
    teacher = make_instructor(username="ivy")
    PatternFactory(title="API key management")
    classroom = Classroom.objects.create(name="Keys 101", instructor=teacher)
    ana = UserFactory(username="ana")
    Profile.objects.create(user=ana, display_name="Ana Lima")
    Membership.objects.create(classroom=classroom, user=ana)
    page.set_viewport_size({"width": width, "height": 900})

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("ivy")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url("/teach/")
    # Classes is the section an instructor is in, and their questions are one click away.
    nav_classes = page.get_by_role("navigation", name="Main").get_by_role("link", name="Classes")
    expect(nav_classes).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Your questions").click()
    expect(page.get_by_role("heading", name="Your questions", level=1)).to_be_visible()
    page.get_by_role("link", name="Write a question").click()

    # A mistake first: no pattern chosen and no right option marked.
    page.get_by_label("Question (markdown)").fill(QUESTION.replace("- [x]", "- [ ]"))
    page.get_by_role("button", name="Save").click()
    summary = page.get_by_role("alert").filter(has_text="Nothing was saved")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name="Question: 1 problem in the markdown")).to_be_visible()
    summary.get_by_role("link", name="Question: 1 problem in the markdown").click()
    expect(page.locator("#problems")).to_be_in_viewport()
    assert serious_accessibility_violations(page) == []

    page.get_by_label("Pattern").select_option(label="API key management")
    page.get_by_label("Question (markdown)").fill(QUESTION)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved “walk-bearer”.")).to_be_visible()

    # The quiz picker marks it and names the learner.
    page.goto(f"/classes/{classroom.pk}/assignments/new/")
    expect(page.get_by_label("Yours · API key management · easy:")).to_be_visible()
    expect(page.get_by_label("Ana Lima (ana)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_accessibility_violations(page) == []
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
