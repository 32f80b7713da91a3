"""Co-teachers: an instructor adds another instructor to a class on its page; the co-teacher
then sees and does what the instructor does, and both teachers' own questions can be asked in
the class's custom quizzes. Someone who does not teach the class gets a 404 everywhere."""

import pytest
from django.urls import reverse

from learnapp.authoring import bank
from learnapp.classes.access import classes_taught_by, teachers_of, teaches
from learnapp.classes.models import Assignment, ClassTeacher, Membership
from tests.authoring.conftest import GOOD
from tests.factories import PatternFactory, UserFactory, make_instructor

pytestmark = pytest.mark.django_db


@pytest.fixture
def co_teacher(people):
    return make_instructor(username="co_teacher", email="co@example.org")


def _add(client, classroom, who):
    return client.post(reverse("classes:teacher_add", args=[classroom.pk]), {"who": who})


def test_an_instructor_adds_a_co_teacher_by_email_who_then_sees_the_class(
    people, classroom, assignment, co_teacher, as_user
):
    owner = as_user(people["instructor_x"])
    response = _add(owner, classroom, "CO@example.org")
    assert response.status_code == 302
    page = owner.get(classroom.get_absolute_url()).text
    teachers = page[page.index('id="teachers-title"') : page.index('id="groups-title"')]
    assert "co_teacher" in teachers and "instructor_x" in teachers

    client = as_user(co_teacher)
    assert "Keys 101" in client.get("/classes/").text
    assert "Keys 101" in client.get("/teach/").text
    book = client.get(reverse("classes:gradebook", args=[classroom.pk]))
    assert book.status_code == 200 and "learner_a" in book.text
    assert client.get(assignment.get_absolute_url()).status_code == 200
    assert (
        client.get(reverse("classes:learner", args=[classroom.pk, people["learner_a"].pk]))
    ).status_code == 200


def test_a_co_teacher_added_by_user_name_can_assign_and_edit(
    people, classroom, assignment, co_teacher, as_user
):
    _add(as_user(people["instructor_x"]), classroom, "co_teacher")
    client = as_user(co_teacher)
    edit = client.get(reverse("classes:assignment_edit", args=[assignment.pk]))
    assert edit.status_code == 200


def test_a_stranger_instructor_gets_404_and_cannot_add_themselves(
    people, classroom, assignment, as_user
):
    stranger = as_user(people["instructor_y"])
    assert _add(stranger, classroom, "instructor_y").status_code == 404
    assert stranger.get(classroom.get_absolute_url()).status_code == 404
    assert stranger.get(reverse("classes:gradebook", args=[classroom.pk])).status_code == 404
    assert stranger.get(assignment.get_absolute_url()).status_code == 404
    assert "Keys 101" not in stranger.get("/teach/").text
    assert not ClassTeacher.objects.exists()


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("nobody_here", "No account is called or uses nobody_here."),
        ("learner_b", "is not an instructor"),
        ("instructor_x", "already teaches this class"),
        ("", "Write the co-teacher&#x27;s user name or email."),
    ],
)
def test_who_cannot_be_added_is_said_on_the_class_page(people, classroom, as_user, who, reason):
    response = _add(as_user(people["instructor_x"]), classroom, who)
    assert response.status_code == 400
    assert reason in response.text
    assert not ClassTeacher.objects.exists()


def test_a_learner_of_the_class_is_not_made_its_teacher(people, classroom, as_user):
    from learnapp.accounts.roles import make_instructor as promote

    promote(people["learner_a"])
    response = _add(as_user(people["instructor_x"]), classroom, "learner_a")
    assert response.status_code == 400
    assert "is a learner in this class" in response.text


def test_a_removed_co_teacher_loses_the_class(people, classroom, co_teacher, as_user):
    ClassTeacher.objects.create(classroom=classroom, user=co_teacher)
    owner = as_user(people["instructor_x"])
    owner.post(reverse("classes:teacher_remove", args=[classroom.pk, co_teacher.pk]))
    assert as_user(co_teacher).get(classroom.get_absolute_url()).status_code == 404
    # The class's maker is not a co-teacher row: nobody removes them this way.
    response = as_user(co_teacher).post(
        reverse("classes:teacher_remove", args=[classroom.pk, people["instructor_x"].pk])
    )
    assert response.status_code == 404


def test_both_teachers_questions_can_be_asked_in_the_class_quiz_and_nobody_elses(
    people, classroom, co_teacher, as_user
):
    pattern = PatternFactory(title="Keys")
    ClassTeacher.objects.create(classroom=classroom, user=co_teacher)
    theirs = bank.save_question(co_teacher, pattern, GOOD)
    mine = bank.save_question(people["instructor_x"], pattern, GOOD)
    strangers = bank.save_question(people["instructor_y"], pattern, GOOD)

    owner = as_user(people["instructor_x"])
    form = owner.get(reverse("classes:assignment_create", args=[classroom.pk])).text
    assert f'value="{theirs.pk}"' in form and "co_teacher&#x27;s · Keys" in form
    assert f'value="{mine.pk}"' in form and "Yours · Keys" in form
    assert f'value="{strangers.pk}"' not in form

    data = {
        "title": "Our quiz",
        "opens_at": "2026-01-01T09:00",
        "due_at": "2026-01-08T09:00",
        "closes_at": "2026-01-08T09:00",
        "accept_late": "on",
        "attempts_allowed": 1,
        "results_visibility": "immediately",
        "questions": [theirs.pk, mine.pk],
    }
    response = owner.post(reverse("classes:assignment_create", args=[classroom.pk]), data)
    assert response.status_code == 302, response.text
    assert Assignment.objects.get(title="Our quiz").question_ids == [theirs.pk, mine.pk]

    refused = owner.post(
        reverse("classes:assignment_create", args=[classroom.pk]),
        {**data, "title": "Theft", "questions": [strangers.pk]},
    )
    assert refused.status_code == 400
    assert not Assignment.objects.filter(title="Theft").exists()

    # The co-teacher exports the class's quiz too; a stranger cannot.
    quiz = Assignment.objects.get(title="Our quiz")
    gift = as_user(co_teacher).get(reverse("authoring:export_gift", args=[quiz.pk]))
    assert gift.status_code == 200
    stranger = as_user(people["instructor_y"])
    assert stranger.get(reverse("authoring:export_gift", args=[quiz.pk])).status_code == 404


def test_a_teacher_joining_with_the_code_or_listed_on_the_roster_is_refused(
    people, classroom, co_teacher, as_user
):
    ClassTeacher.objects.create(classroom=classroom, user=co_teacher)
    response = as_user(co_teacher).post("/classes/join/", {"code": classroom.join_code})
    assert "You teach this class." in response.text
    roster = as_user(people["instructor_x"]).post(
        reverse("classes:roster_add", args=[classroom.pk]),
        {"learners": "Co Teacher, co@example.org"},
    )
    assert roster.status_code == 400
    assert "co@example.org teaches this class." in roster.text
    assert not Membership.objects.filter(user=co_teacher).exists()


def test_an_lms_course_s_teachers_teach_its_class(people, classroom):
    from lti_tool.models import LtiRegistration

    from learnapp.lti.models import LinkedClass, Teaching

    registration = LtiRegistration.objects.create(
        name="LMS", issuer="https://lms.example", client_id="c1"
    )
    link = LinkedClass.objects.create(
        registration=registration, context_id="course-1", classroom=classroom
    )
    ta = UserFactory(username="lms_ta")
    assert not teaches(ta, classroom)
    Teaching.objects.create(linked_class=link, user=ta, role=Teaching.Role.TEACHING_ASSISTANT)
    assert teaches(ta, classroom)
    assert list(classes_taught_by(ta)) == [classroom]
    assert set(teachers_of(classroom)) == {people["instructor_x"], ta}
    assert not teaches(people["instructor_y"], classroom)
