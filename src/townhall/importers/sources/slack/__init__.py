"""Slack workspace exports (key "slack"): `workspace.py` reads the export, `blocks.py` turns a
message's text, Block Kit blocks and attachments into Markdown."""

from townhall.importers.sources.slack.workspace import SYSTEM_SUBTYPES, SlackSource, slack_time

__all__ = ["SYSTEM_SUBTYPES", "SlackSource", "slack_time"]
