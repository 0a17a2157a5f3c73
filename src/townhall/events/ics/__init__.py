"""iCalendar (RFC 5545) in and out, with the `icalendar` library. Pure: no models, no database.

`read.read_calendar(data)` turns an uploaded file into `records.ReadResult` (events, and what was skipped
and why); `write.calendar_bytes(events, name=...)` turns `records.OutEvent`s into a feed or a single
event's file. The importer (`events.ics_import`) and the feeds map between these records and the models.
"""

from townhall.events.ics.read import read_calendar
from townhall.events.ics.records import IcsError, IcsEvent, OutEvent, ReadResult, Skipped
from townhall.events.ics.write import calendar_bytes

__all__ = ["IcsError", "IcsEvent", "OutEvent", "ReadResult", "Skipped", "calendar_bytes", "read_calendar"]
