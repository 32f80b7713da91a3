import pytest

from learnapp.classes.models import Membership
from tests.factories import ClassroomFactory, PatternFactory, UserFactory, make_instructor

GOOD = """## Question 1
id: header-choice
difficulty: easy

Which header carries an API key?

### Options
- [x] `Authorization`
- [ ] `Accept`
  Feedback: Accept says which formats the client reads.
- [ ] `Key`

### Solution
1. Credentials go in `Authorization`.

### Final answer
`Authorization`
"""

# Line 7 has no options marked right: the loader's own rule.
BROKEN = GOOD.replace("- [x] `Authorization`", "- [ ] `Authorization`")


@pytest.fixture
def cast(db):
    teacher = make_instructor(username="teacher")
    other = make_instructor(username="other_teacher")
    learner = UserFactory(username="a_learner")
    classroom = ClassroomFactory(instructor=teacher, name="Keys 101")
    Membership.objects.create(classroom=classroom, user=learner)
    return {
        "teacher": teacher,
        "other": other,
        "learner": learner,
        "classroom": classroom,
        "pattern": PatternFactory(title="Keys"),
    }
