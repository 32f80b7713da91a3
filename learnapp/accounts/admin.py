from django.contrib import admin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "time_zone", "reminder_emails"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "display_name"]
    raw_id_fields = ["user"]
