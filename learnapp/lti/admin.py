from django.contrib import admin
from lti_tool.admin import LtiRegistrationAdmin
from lti_tool.models import LtiRegistration

from . import ags
from .models import GradedLink, LinkedClass, LmsScore, Platform, Teaching


class PlatformInline(admin.StackedInline):
    model = Platform
    can_delete = False
    verbose_name = "embedding"
    verbose_name_plural = "embedding"


# django-lti's registration page, with the origins that may frame learnapp on the same page.
admin.site.unregister(LtiRegistration)


@admin.register(LtiRegistration)
class RegistrationAdmin(LtiRegistrationAdmin):
    inlines = [*LtiRegistrationAdmin.inlines, PlatformInline]


class TeachingInline(admin.TabularInline):
    model = Teaching
    raw_id_fields = ["user"]
    extra = 0


@admin.register(LinkedClass)
class LinkedClassAdmin(admin.ModelAdmin):
    list_display = ["classroom", "registration", "context_id"]
    list_select_related = ["classroom", "registration"]
    raw_id_fields = ["classroom"]
    inlines = [TeachingInline]


@admin.register(GradedLink)
class GradedLinkAdmin(admin.ModelAdmin):
    list_display = ["resource_link_id", "assignment", "registration", "lineitem"]
    list_select_related = ["assignment", "registration"]
    raw_id_fields = ["assignment"]


@admin.register(LmsScore)
class LmsScoreAdmin(admin.ModelAdmin):
    """What each learner's score on a graded assignment has become: sent, pending or failed."""

    list_display = ["user", "assignment", "status", "score_given", "tries", "sent_at", "last_error"]
    list_filter = ["status"]
    list_select_related = ["user", "assignment"]
    search_fields = ["lti_user_id", "user__username", "user__email"]
    readonly_fields = [f.name for f in LmsScore._meta.fields]
    actions = ["send_again"]

    @admin.action(description="Send the selected scores to the LMS again")
    def send_again(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        ags.send_again(ids)
        self.message_user(request, f"{len(ids)} score(s) queued to be sent again.")

    def has_add_permission(self, request):
        return False
