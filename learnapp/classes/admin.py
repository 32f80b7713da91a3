from django.contrib import admin

from .models import Assignment, Classroom, Extension, InstructorInvite, LearnerGroup, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ["name", "instructor", "join_code", "created_at"]
    list_select_related = ["instructor"]
    search_fields = ["name", "join_code", "instructor__username"]
    raw_id_fields = ["instructor"]
    inlines = [MembershipInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["title", "classroom", "pattern", "due_at", "results_visibility"]
    list_select_related = ["classroom", "pattern"]
    raw_id_fields = ["classroom", "pattern", "group", "learners"]


admin.site.register(LearnerGroup)
admin.site.register(Extension)


@admin.register(InstructorInvite)
class InstructorInviteAdmin(admin.ModelAdmin):
    list_display = ["token", "created_by", "used_by", "expires_at", "used_at"]
    readonly_fields = ["token", "used_by", "used_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_exclude(self, request, obj=None):
        return ["created_by"]
