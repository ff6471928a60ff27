from django.contrib import admin

from osmose.network.models import Task


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "due_on", "assignee", "done_at"]
    list_filter = ["done_at"]
    search_fields = ["title"]
    raw_id_fields = ["organisation", "person", "assignee"]
