"""Find quoted history, signatures and legal disclaimers in plain text, by line."""

from __future__ import annotations

import re

from tonecheck.findings import IgnoredKind, IgnoredRange

# A marker after which everything is earlier correspondence (top-posted replies and forwards).
_QUOTE_HEADERS = [
    re.compile(r"^\s*On\b.{0,300}\bwrote\s*:\s*$", re.I),
    re.compile(
        r"^\s*(Le|Am|El|Il|Op|Em|Den|På)\b.{0,300}"
        r"(a écrit|schrieb|escribió|ha scritto|schreef|escreveu|skrev)\s*:?\s*$",
        re.I,
    ),
    # German, Dutch and Scandinavian clients put the sender after the verb: "... schrieb Dana <d@x.de>:".
    re.compile(r"^\s*(Am|Op|Den|På)\b.{0,300}\b(schrieb|schreef|skrev)\b.{1,200}:\s*$", re.I),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Forwarded message|Message d'origine|Ursprüngliche Nachricht|"
        r"Mensaje original|Messaggio originale)\s*-{2,}\s*$",
        re.I,
    ),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*Begin forwarded message\s*:\s*$", re.I),
]
_HEADER_FIELD = re.compile(
    r"^\s*\*?(From|Sent|To|Cc|Subject|Date|De|Von|Envoyé|Gesendet|Enviado|An|À|Para|Objet|Betreff)\s*:", re.I
)
_WRAPPED_ON = re.compile(r"^\s*On\b", re.I)
_WRAPPED_WROTE = re.compile(r"\bwrote\s*:\s*$", re.I)
_QUOTED_LINE = re.compile(r"^\s*>")
_SIG_DELIMITER = re.compile(r"^--\s?$")
_MOBILE_SIG = re.compile(
    r"^\s*(Sent from my \w+|Sent from (Outlook|Mail|Yahoo Mail)\b|Get Outlook for (iOS|Android))", re.I
)
SIGN_OFF = re.compile(
    r"^\s*(best( regards| wishes)?|kind regards|warm(est)? regards|regards|many thanks|thanks( again| so much)?"
    r"|thank you( so much| again)?|cheers|sincerely|yours( sincerely| truly| faithfully)?|all the best"
    r"|talk soon|speak soon|take care|with thanks|respectfully|best,?\s*\w+)\s*+[,.!]?\s*$",
    re.I,
)
# Possessive `*+` where two whitespace runs meet: with plain `\s*...\s*` a line of 100,000 spaces
# backtracks quadratically (minutes); whitespace never needs to be given back here.
_DISCLAIMER = re.compile(
    r"^\s*+(\**+\s*+(CONFIDENTIALITY NOTICE|CONFIDENTIALITY|DISCLAIMER|LEGAL NOTICE|IMPORTANT NOTICE"
    r"|PRIVILEGED AND CONFIDENTIAL)\b"
    r"|This (e-?mail|message|communication|transmission)\b.{0,80}\b(confidential|privileged|intended (only|solely)"
    r"|intended for)"
    r"|The (information|content)s? (contained )?in this (e-?mail|message|communication)"
    r"|If you (have )?received this (e-?mail|message|communication) in error"
    r"|Any views or opinions (expressed|presented) in this)",
    re.I,
)
# A name or initials closing a short reply: "MK", "^MK", "*DL", "— Dana", "Dana R.".
_NAME_LINE = re.compile(
    r"^\s*[-–—~^*]{0,2}\s*([A-Z]{1,3}\.?|[A-Z][a-z'’-]+\.?)(\s+([A-Z]{1,3}\.?|[A-Z][a-z'’-]+\.?)){0,2}\s*$"
)
# Words that stand alone on a last line as a retort, not as a name.
_NOT_NAMES = frozenset({"whatever", "fine", "done", "seriously", "really", "unbelievable", "ridiculous", "noted",
                        "ok", "okay", "sure", "no", "yes", "great", "thanks", "wow", "enough"})
# A line of four or more words that ends like a sentence is the writer's text, not a signature line.
_SENTENCE_LINE = re.compile(r"(\S+\s+){3,}\S*[.!?]\s*$")
_MAX_SIGNATURE_LINES = 8
_MAX_SIGNATURE_LINE_CHARS = 80


def _lines(text: str) -> list[tuple[int, int, str]]:
    """Split into (start, end, line) with `end` including the newline, so ranges cover whole lines."""
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        out.append((pos, pos + len(line), line.rstrip("\r\n")))
        pos += len(line)
    return out


def _history_start(lines: list[tuple[int, int, str]]) -> int | None:
    """Index of the first line of quoted history, if any."""
    for i, (_, _, line) in enumerate(lines):
        if any(p.match(line) for p in _QUOTE_HEADERS):
            return i
        nxt = lines[i + 1][2] if i + 1 < len(lines) else ""
        if _WRAPPED_ON.match(line) and _WRAPPED_WROTE.search(nxt) and len(line) + len(nxt) < 300:
            return i
        if _HEADER_FIELD.match(line) and _HEADER_FIELD.match(nxt):
            return i
    return None


def _signature_start(lines: list[tuple[int, int, str]], stop: int) -> int | None:
    """Index of the first signature line before `stop`: a `-- ` delimiter, or a sign-off plus a short block."""
    for i in range(stop):
        line = lines[i][2]
        if _SIG_DELIMITER.match(line) or _MOBILE_SIG.match(line):
            return i
    # The last sign-off that a name block follows: a "Thanks!" line opening the message is not a signature.
    below = 0  # non-blank lines under line i
    for i in reversed(range(stop)):
        if below > _MAX_SIGNATURE_LINES:
            break  # every earlier sign-off has too long a block under it; stopping keeps this linear
        below += bool(lines[i][2].strip())
        if not SIGN_OFF.match(lines[i][2]):
            continue
        rest = [ln for _, _, ln in lines[i + 1 : stop] if ln.strip()]
        short = all(
            len(ln) <= _MAX_SIGNATURE_LINE_CHARS
            and not _SENTENCE_LINE.search(ln)
            and not _QUOTED_LINE.match(ln)
            for ln in rest
        )
        if 1 <= len(rest) <= _MAX_SIGNATURE_LINES and short and not any(_DISCLAIMER.match(ln) for ln in rest):
            return i
    return _closing_line(lines, stop)


def _closing_line(lines: list[tuple[int, int, str]], stop: int) -> int | None:
    """The last line, when it is a lone sign-off ("Kind regards,") or a name or initials under the text."""
    worded = [i for i in range(stop) if lines[i][2].strip()]
    if len(worded) < 2:
        return None  # a one-line reply is all text
    last = lines[worded[-1]][2]
    if SIGN_OFF.match(last):
        return worded[-1]
    if _NAME_LINE.match(last) and last.strip(" -–—~^*.").lower() not in _NOT_NAMES:
        return worded[-1]
    return None


def _paragraph_end(lines: list[tuple[int, int, str]], i: int, stop: int) -> int:
    """Index one past the last line of the paragraph that starts at line `i`."""
    j = i
    while j < stop and lines[j][2].strip():
        j += 1
    return j


def find_ignored(text: str) -> list[IgnoredRange]:
    """Ranges of quoted history, signature and disclaimers in a plain-text email."""
    lines = _lines(text)
    if not lines:
        return []
    ranges: list[IgnoredRange] = []
    history = _history_start(lines)
    stop = len(lines) if history is None else history
    if history is not None:
        ranges.append(IgnoredRange(lines[history][0], len(text), IgnoredKind.QUOTE))
    for i in range(stop):
        start, end, line = lines[i]
        if _QUOTED_LINE.match(line):
            ranges.append(IgnoredRange(start, end, IgnoredKind.QUOTE))
    i = 0
    while i < stop:
        if _DISCLAIMER.match(lines[i][2]):
            j = _paragraph_end(lines, i, stop)
            ranges.append(IgnoredRange(lines[i][0], lines[j - 1][1], IgnoredKind.DISCLAIMER))
            i = j
        else:
            i += 1
    # A corporate signature sits above the legal disclaimer; the disclaimer has its own range.
    sig_stop = next((i for i in range(stop) if _DISCLAIMER.match(lines[i][2])), stop)
    signature = _signature_start(lines, sig_stop)
    if signature is not None:
        sig_end = lines[sig_stop - 1][1]
        ranges.append(IgnoredRange(lines[signature][0], sig_end, IgnoredKind.SIGNATURE))
    return ranges
