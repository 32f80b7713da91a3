"""Adding learners to a class by pasting names and emails or uploading a CSV file."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from learnapp.accounts.models import Profile
from learnapp.classes.models import Membership
from learnapp.classes.roster import RosterErrors, parse_csv, parse_pasted
from tests.factories import ClassroomFactory, UserFactory, make_instructor

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def teacher():
    return make_instructor(username="teacher", email="teacher@example.com")


@pytest.fixture
def classroom(teacher):
    return ClassroomFactory(instructor=teacher, name="Keys 101")


@pytest.fixture
def client_of(teacher):
    client = Client()
    client.force_login(teacher)
    return client


def add_url(classroom) -> str:
    return f"/classes/{classroom.pk}/learners/add/"


def members(classroom) -> set[str]:
    return set(Membership.objects.filter(classroom=classroom).values_list("user__email", flat=True))


def test_parsing_accepts_both_forms_and_bare_emails():
    entries = parse_pasted(
        'Ana Lima <ana@example.com>\n\n"Lima, Bo" <bo@example.com>\nCy Diaz, cy@example.com\n'
        "dee@example.com\n"
    )
    assert [(e.line, e.name, e.email) for e in entries] == [
        (1, "Ana Lima", "ana@example.com"),
        (3, "Lima, Bo", "bo@example.com"),
        (4, "Cy Diaz", "cy@example.com"),
        (5, "", "dee@example.com"),
    ]


def test_every_bad_line_is_reported_by_number():
    with pytest.raises(RosterErrors) as caught:
        parse_pasted(
            "Ana <ana@example.com>\nBo, not-an-email\nCy <cy@example.com\n"
            "Ana again, ANA@example.com\n"
        )
    assert caught.value.errors == [
        (2, "“not-an-email” is not an email address."),
        (3, "Write it as “Name <email>” or “Name, email”."),
        (4, "ANA@example.com is also on line 1."),
    ]


def test_csv_with_a_header_row_and_a_byte_order_mark():
    entries = parse_csv(
        "\ufeffname,email\r\nAna Lima,ana@example.com\r\n\r\nBo,bo@example.com\r\n".encode()
    )
    assert [(e.line, e.name, e.email) for e in entries] == [
        (2, "Ana Lima", "ana@example.com"),
        (4, "Bo", "bo@example.com"),
    ]
    with pytest.raises(RosterErrors) as caught:
        parse_csv(b"Ana,ana@example.com,extra\nBo,bo@example.com\n")
    assert caught.value.errors == [(1, "Expected 2 columns (name, email), found 3.")]
    with pytest.raises(RosterErrors) as caught:
        parse_csv("Zoë,zoe@example.com".encode("latin-1"))
    assert "UTF-8" in caught.value.errors[0][1]


def test_existing_accounts_join_and_new_ones_get_a_link_to_set_a_password(
    classroom, client_of, run_queued_tasks
):
    ana = UserFactory(username="ana", email="Ana.Lima@Example.com")
    bo = UserFactory(username="bo", email="bo@example.com")
    Membership.objects.create(classroom=classroom, user=bo)

    response = client_of.post(
        add_url(classroom),
        {
            "learners": "Ana Lima <ana.lima@example.com>\nBo, BO@example.com\nCy Diaz, cy@example.com"
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Done: 2 learners added" in page
    assert "New accounts (1), each sent a link to set a password" in page
    assert "Existing accounts enrolled (1)" in page
    assert "Already in the class (1)" in page
    cy = User.objects.get(email="cy@example.com")
    assert cy.username == "cy"
    assert not cy.has_usable_password()
    assert Profile.objects.get(user=cy).display_name == "Cy Diaz"
    assert members(classroom) == {ana.email, bo.email, "cy@example.com"}
    assert mail.outbox == []  # the worker sends it, not the request

    run_queued_tasks()

    [message] = mail.outbox
    assert message.to == ["cy@example.com"]
    assert message.body.startswith("Hello Cy Diaz,")
    assert "teacher added you to Keys 101" in message.body
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/password/reset/\S+/)", message.body)[1]
    assert link in message.alternatives[0][0]

    # The link lets Cy choose a password, once.
    anonymous = Client()
    form_page = anonymous.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = anonymous.post(
        set_url,
        {"new_password1": "a fine long passphrase", "new_password2": "a fine long passphrase"},
    )
    assert done.status_code == 302
    cy.refresh_from_db()
    assert cy.check_password("a fine long passphrase")
    again = anonymous.get(link, follow=True)
    assert b"a fine long passphrase" not in again.content
    assert again.context["validlink"] is False


def test_a_bad_line_adds_nobody(classroom, client_of):
    response = client_of.post(
        add_url(classroom),
        {"learners": "Ana Lima <ana@example.com>\nBo, bo(at)example.com\n"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was added</h2>" in page
    assert "Line 2: “bo(at)example.com” is not an email address.</a>" in page
    assert "<title>Error: " in page
    assert not User.objects.filter(email="ana@example.com").exists()
    assert members(classroom) == set()
    # What was pasted is still there to correct.
    assert "Ana Lima &lt;ana@example.com&gt;" in page


def test_an_email_shared_by_two_accounts_is_an_error_and_nothing_happens(classroom, client_of):
    UserFactory(email="twin@example.com")
    UserFactory(email="TWIN@example.com")
    response = client_of.post(
        add_url(classroom), {"learners": "New Person, new@example.com\nTwin, twin@example.com"}
    )
    assert response.status_code == 400
    assert "Line 2: More than one account uses twin@example.com" in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()
    assert members(classroom) == set()


def test_csv_upload(classroom, client_of):
    upload = SimpleUploadedFile(
        "class.csv", b"name,email\nAna Lima,ana@example.com\nBo,bo@example.com\n", "text/csv"
    )
    response = client_of.post(add_url(classroom), {"csv_file": upload})
    assert response.status_code == 200
    assert members(classroom) == {"ana@example.com", "bo@example.com"}


def test_a_new_user_name_never_clashes(classroom, client_of):
    UserFactory(username="ana")
    UserFactory(username="Ana2")
    client_of.post(add_url(classroom), {"learners": "Ana, ana@example.com"})
    assert User.objects.get(email="ana@example.com").username == "ana3"


def test_empty_or_both_is_refused_with_a_reason(classroom, client_of):
    empty = client_of.post(add_url(classroom), {"learners": "  \n"})
    assert empty.status_code == 400
    assert "Paste a list or choose a CSV file." in empty.content.decode()


def test_only_the_classes_instructor_may_add(classroom):
    other = Client()
    other.force_login(make_instructor(username="other"))
    assert other.get(add_url(classroom)).status_code == 404
    assert other.post(add_url(classroom), {"learners": "a@example.com"}).status_code == 404
    learner = Client()
    learner.force_login(UserFactory())
    assert learner.post(add_url(classroom), {"learners": "a@example.com"}).status_code == 404
    assert members(classroom) == set()
    assert Client().get(add_url(classroom)).status_code == 302  # to log in


def test_the_join_code_keeps_working_for_added_classes(classroom, client_of):
    client_of.post(add_url(classroom), {"learners": "Ana, ana@example.com"})
    dee = UserFactory()
    joiner = Client()
    joiner.force_login(dee)
    joiner.post("/classes/join/", {"code": classroom.join_code})
    assert Membership.objects.filter(classroom=classroom, user=dee).exists()


def test_the_class_page_links_to_it(classroom, client_of):
    page = client_of.get(f"/classes/{classroom.pk}/")
    assert add_url(classroom).encode() in page.content


def test_two_new_learners_with_the_same_name_part_get_different_user_names(classroom, client_of):
    client_of.post(add_url(classroom), {"learners": "Ana, ana@one.example\nAna B, ANA@two.example"})
    assert sorted(
        User.objects.filter(username__istartswith="ana").values_list("username", flat=True)
    ) == [
        "ANA2",
        "ana",
    ]


def test_a_long_list_costs_one_query_per_new_account_and_no_more(classroom, client_of):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(count: int, prefix: str) -> int:
        existing = [UserFactory(email=f"{prefix}-old{n}@example.com") for n in range(count)]
        lines = [f"Old {n}, {u.email}" for n, u in enumerate(existing)]
        lines += [f"New {n}, {prefix}-new{n}@example.com" for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            response = client_of.post(add_url(classroom), {"learners": "\n".join(lines)})
        assert response.status_code == 200
        return len(queries)

    small, large = add(3, "s"), add(40, "l")
    # Each new account's set-password email is its own queued task; everything else is batched.
    assert large - small == 40 - 3, (small, large)
    assert Membership.objects.filter(classroom=classroom).count() == 86
