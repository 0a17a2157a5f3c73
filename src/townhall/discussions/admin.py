"""Admin: the reaction set and tags are curated here. Topics and posts change only through actions."""

from __future__ import annotations

from django.contrib import admin

from townhall.discussions.models import ReactionChoice, Tag


@admin.register(ReactionChoice)
class ReactionChoiceAdmin(admin.ModelAdmin):
    list_display = ("emoji", "label", "position")
    list_editable = ("label", "position")
    ordering = ("position", "id")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
