"""`townhall manage reindex [--type post]`: rebuild the search index from the apps' own rows."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.core.registries import search_types
from townhall.search import index


class Command(BaseCommand):
    help = "Rebuild the search index from the apps' own rows: every registered type, or those named."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--type", dest="types", action="append", default=[], metavar="KEY",
            help="Only this document type (repeatable), e.g. --type post.",
        )  # fmt: skip

    def handle(self, *args: Any, types: list[str], **options: Any) -> None:
        unknown = [key for key in types if key not in search_types]
        if unknown:
            known = ", ".join(search_types.keys()) or "none"
            raise CommandError(f"Unknown search type {unknown[0]!r}; registered types: {known}.")
        for key in types or search_types.keys():
            count = index.reindex(search_types[key])
            self.stdout.write(f"{key}: {count} document{'' if count == 1 else 's'}")
