"""What a WhatsApp message body holds besides text: media, a deleted-message tombstone, an edit mark, a poll.

Media come in three forms. Exported "without media": Android writes "<Media omitted>", iOS
"image omitted" (and video, audio, sticker, GIF, document): the file is gone, the message keeps an
attachment with no path and a name that says so. Exported "with media": iOS writes
"<attached: 00000012-PHOTO-2020-01-01-12-00-00.jpg>", Android "IMG-20200101-WA0001.jpg (file attached)"
with an optional caption on the next lines: the attachment points at the zip member of that name when
the zip holds it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from townhall.importers.sources.base import Attachment, Poll
from townhall.importers.sources.whatsapp.dates import MARKS

_OMITTED = re.compile(
    r"<(?:Media omitted|Multimedia omitido|Medien ausgeschlossen|Médias omis|Mídia oculta|"
    r"Media weggelaten|Media omessi)>",
    re.IGNORECASE,
)
_IOS_OMITTED = re.compile(
    r"(image|video|audio|sticker|GIF|document|Contact card|imagen|vídeo|sticker|Bild|Foto) "
    r"(?:omitted|omitido|omitida|weggelassen)",
    re.IGNORECASE,
)
_ATTACHED = re.compile(
    r"<(?:attached|adjunto|Anhang|pièce jointe|anexado|allegato) ?: ?([^<>]+)>", re.IGNORECASE
)
_FILE_ATTACHED = re.compile(
    r"^(.+?\.[A-Za-z0-9]{1,6}) \((?:file attached|archivo adjunto|Datei angehängt|fichier joint|"
    r"arquivo anexado|file allegato)\)$",
    re.IGNORECASE,
)
_DELETED = {
    "This message was deleted",
    "You deleted this message",
    "This message was deleted.",
    "You deleted this message.",
    "Se eliminó este mensaje.",
    "Eliminaste este mensaje.",
    "Diese Nachricht wurde gelöscht.",
    "Du hast diese Nachricht gelöscht.",
    "Ce message a été supprimé.",
    "Vous avez supprimé ce message.",
    "Esta mensagem foi apagada",
    "Você apagou esta mensagem",
}
_EDITED = re.compile(
    rf"[{MARKS}\s]*<(?:This message was edited|Se editó este mensaje\.|Diese Nachricht wurde bearbeitet|"
    r"Ce message a été modifié|Esta mensagem foi editada)>$"
)
_OPTION = re.compile(r"^OPTION: (?P<name>.*) \((?P<votes>\d+) votes?\)$")


class Body(NamedTuple):
    text: str
    attachments: tuple[Attachment, ...] = ()
    deleted: bool = False
    edited: bool = False
    poll: Poll | None = None


def _strip_marks(text: str) -> str:
    return text.lstrip(MARKS)


def read_body(raw: str, media: dict[str, str]) -> Body:
    """Split a message's raw text into text and what it carries. `media` maps a file name to its member
    name in the zip (empty for a bare .txt export)."""
    text = _strip_marks(raw)
    if text in _DELETED:
        return Body(text="", deleted=True)
    edited = False
    if text.endswith(">"):
        m = _EDITED.search(text)
        if m:
            edited = True
            text = text[: m.start()].rstrip()
    if text.startswith("POLL:"):
        poll = _read_poll(text)
        if poll is not None:
            return Body(text=poll.question, poll=poll, edited=edited)
    if len(text) > 40:  # longer than any media placeholder
        return _attached(text, media, edited)
    if text.startswith("<") and _OMITTED.fullmatch(text):
        return Body(
            text="", attachments=(Attachment(name="media not included in the export"),), edited=edited
        )
    ios_omitted = _IOS_OMITTED.fullmatch(text)
    if ios_omitted:
        kind = ios_omitted.group(1).lower()
        return Body(
            text="", attachments=(Attachment(name=f"{kind} not included in the export"),), edited=edited
        )
    return _attached(text, media, edited)


def _attached(text: str, media: dict[str, str], edited: bool) -> Body:
    attachments: list[Attachment] = []
    if "<" in text:
        for found in _ATTACHED.finditer(text):
            attachments.append(_attachment(found.group(1).strip(), media))
        if attachments:
            text = _strip_marks(_ATTACHED.sub("", text).strip(MARKS + " \n"))
            return Body(text=text, attachments=tuple(attachments), edited=edited)
    first, _, caption = text.partition("\n")
    android = _FILE_ATTACHED.match(_strip_marks(first)) if first.endswith(")") else None
    if android:
        return Body(
            text=caption.strip(), attachments=(_attachment(android.group(1).strip(), media),), edited=edited
        )
    return Body(text=text, edited=edited)


def _attachment(name: str, media: dict[str, str]) -> Attachment:
    return Attachment(name=name, path=media.get(name, ""))


def _read_poll(text: str) -> Poll | None:
    lines = [line.strip(MARKS + " ") for line in text.split("\n")]
    question_parts = [lines[0][len("POLL:") :].strip()]
    options: list[tuple[str, int]] = []
    for line in lines[1:]:
        m = _OPTION.match(line)
        if m:
            options.append((m["name"], int(m["votes"])))
        elif not options:
            question_parts.append(line)
        else:
            return None  # not the shape WhatsApp writes: keep the message as text
    question = "\n".join(p for p in question_parts if p)
    if not options or not question:
        return None
    return Poll(question=question, options=tuple(options))
