from django.contrib import admin

from .models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """What was sent to whom: answers "did I get the reminder?". Written only by the worker."""

    list_display = ["sent_at", "kind", "user", "assignment"]
    list_filter = ["kind"]
    list_select_related = ["user", "assignment"]
    search_fields = ["user__username", "user__email", "assignment__title"]
    date_hierarchy = "sent_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
