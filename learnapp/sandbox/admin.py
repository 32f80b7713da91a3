from django.contrib import admin

from .models import AccessLogEntry, ChallengeCompletion, SandboxKey


@admin.register(SandboxKey)
class SandboxKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "learner", "scopes", "created_at", "expires_at", "revoked_at"]
    search_fields = ["key_id", "name"]
    raw_id_fields = ["learner", "replaced_by"]
    # The hash is of no use to a person, and nothing here may change a key's secret.
    exclude = ["key_hash"]
    readonly_fields = ["key_id", "created_at", "rotation_started_at"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "method", "path", "status", "outcome", "key_prefix", "source"]
    list_filter = ["category", "source", "status"]
    search_fields = ["key_prefix", "path"]
    raw_id_fields = ["learner", "key"]


@admin.register(ChallengeCompletion)
class ChallengeCompletionAdmin(admin.ModelAdmin):
    list_display = ["learner", "challenge", "completed_at"]
    raw_id_fields = ["learner"]
