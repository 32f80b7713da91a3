import pytest
from django.utils import timezone

from learnapp.accounts.models import Profile
from learnapp.notifications.models import Reminder
from tests.factories import AssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_admins_can_look_up_profiles_and_sent_reminders(client):
    ana = UserFactory(username="ana")
    Profile.objects.create(user=ana, display_name="Ana Lima")
    Reminder.objects.create(
        assignment=AssignmentFactory(title="Keys"), user=ana, kind="opened", sent_at=timezone.now()
    )
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert b"Ana Lima" in client.get("/admin/accounts/profile/?q=ana").content
    page = client.get("/admin/notifications/reminder/?q=ana")
    assert b"Keys" in page.content
    assert client.get("/admin/notifications/reminder/add/").status_code == 403
