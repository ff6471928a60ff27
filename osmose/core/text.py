"""Text folding shared by search and duplicate detection."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
# Letters NFKD does not decompose.
_SPECIAL = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces: "Thérapie-Génique" →
    "therapie genique"."""
    if not text:
        return ""
    text = text.casefold().translate(_SPECIAL)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", text).replace("_", " ").split())


def tokens(text: str) -> list[str]:
    return fold(text).split()
