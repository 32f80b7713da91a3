from django.contrib import admin

from .models import Answer, Attempt, Learner, RegradeRecord


@admin.register(Learner)
class LearnerAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "created_at"]
    raw_id_fields = ["user"]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["pk", "learner", "pattern", "assignment", "score", "is_strong", "submitted_at"]
    list_select_related = ["learner__user", "pattern", "assignment"]
    raw_id_fields = ["learner", "pattern", "assignment"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["pk", "learner", "question", "mode", "choice", "is_correct", "answered_at"]
    list_select_related = ["learner__user", "question"]
    raw_id_fields = ["learner", "question", "question_version", "pattern", "attempt"]


@admin.register(RegradeRecord)
class RegradeRecordAdmin(admin.ModelAdmin):
    """The audit trail of regrades: read here, written only by regrade.py."""

    list_display = [
        "pk",
        "attempt",
        "number",
        "reason",
        "old_score",
        "new_score",
        "new_total",
        "regraded_by",
        "regraded_at",
    ]
    list_select_related = ["attempt", "regraded_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
