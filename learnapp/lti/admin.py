from django.contrib import admin
from lti_tool.admin import LtiRegistrationAdmin
from lti_tool.models import LtiRegistration

from .models import LinkedClass, Platform, Teaching


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
