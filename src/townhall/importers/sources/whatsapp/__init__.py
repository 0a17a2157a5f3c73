"""WhatsApp's "Export chat" (.txt or the phone's .zip with media): see reader.py for how it is read."""

from townhall.importers.sources.whatsapp.reader import WhatsAppSource

__all__ = ["WhatsAppSource"]
