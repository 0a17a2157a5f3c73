"""Calendar events: a community calendar with RSVPs, waitlists, recurrence, reminders and iCalendar."""
