from django.contrib import admin

from .models import Pattern, Question, QuestionVersion, Section, Track


class LoadedFromFiles(admin.ModelAdmin):
    """Content is edited in content/ and loaded by `manage.py loadcontent`; here it is only read."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Track, Section)
class EntryAdmin(LoadedFromFiles):
    list_display = ["title", "slug", "order", "retired_at"]
    search_fields = ["title", "slug"]


@admin.register(Pattern)
class PatternAdmin(LoadedFromFiles):
    list_display = ["title", "slug", "section", "position", "retired_at"]
    list_select_related = ["section"]
    search_fields = ["title", "slug"]


@admin.register(Question)
class QuestionAdmin(LoadedFromFiles):
    list_display = ["key", "pattern", "position", "difficulty", "retired_at"]
    list_select_related = ["pattern"]
    search_fields = ["key"]


@admin.register(QuestionVersion)
class QuestionVersionAdmin(LoadedFromFiles):
    list_display = ["question", "number", "difficulty", "correct_letter", "created_at"]
    list_select_related = ["question"]
