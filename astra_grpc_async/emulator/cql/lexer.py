"""A hand-written CQL tokenizer: one compiled master regex, one linear pass.

Tokens carry their 1-based line and 0-based column so that syntax errors can
be reported the way Cassandra does (`line 1:7 ...`). Unquoted identifiers
and keywords are lower-cased in `value` (CQL is case-insensitive for them);
`text` always keeps the source spelling for error messages.
"""

from __future__ import annotations

import re
from typing import Final

from astra_grpc_async.emulator.errors import CqlSyntaxError

__all__ = [
    "BLOB",
    "DURATION",
    "EOF",
    "FLOAT",
    "IDENT",
    "INTEGER",
    "OP",
    "QIDENT",
    "STRING",
    "UUID",
    "Token",
    "tokenize",
]

IDENT: Final = "ident"  # unquoted identifier or keyword; value lower-cased
QIDENT: Final = "qident"  # "Quoted" identifier; value unescaped, case kept
STRING: Final = "string"  # '...' or $$...$$; value unescaped
INTEGER: Final = "integer"  # value is the digits
FLOAT: Final = "float"  # value is the literal text
BLOB: Final = "blob"  # 0x...; value is the hex digits (without 0x)
UUID: Final = "uuid"  # value is the literal text
DURATION: Final = "duration"  # value is the literal text
OP: Final = "op"  # punctuation / operator; value is the operator
EOF: Final = "eof"


class Token:
    """One token. `kind` is one of the module constants."""

    __slots__ = ("col", "kind", "line", "text", "value")

    def __init__(self, kind: str, value: str, text: str, line: int, col: int) -> None:
        self.kind = kind
        self.value = value
        self.text = text
        self.line = line
        self.col = col

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Token({self.kind}, {self.value!r}, {self.line}:{self.col})"


_HEX = "[0-9a-f]"
_UNIT = "(?:y|mo|w|d|h|ms|m|us|\u00b5s|ns|s)"
_ISO_DESIGNATORS = (
    r"P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?"
)
_ISO_ALTERNATIVE = r"P\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"

# re.ASCII: \d, \w and case-insensitive [a-z] match ASCII only, as in CQL.
# Leading whitespace is skipped inside every match (possessively). Identifiers
# and operators, most of the tokens, are tried first; `ident` steps aside for
# what may be a UUID or an ISO duration, and `ident2` takes the identifiers
# those turn out not to be. `end` matches the end of the input.
_MASTER: Final = re.compile(
    rf"""
    [ \t\r\n\f\v]*+
    (?:
    (?P<ident>(?!{_HEX}{{8}}-|p[0-9t])[a-z][a-z0-9_]*)
  | (?P<op>!=|<=|>=|\+=|(?!--)-=?|[=<>(),;.*\[\]{{}}:+?])
  | (?P<comment>--[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^']|'')*')
  | (?P<pgstring>\$\$.*?\$\$)
  | (?P<qident>"(?:[^"]|"")+")
  | (?P<uuid>{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}})(?![\w-])
  | (?P<blob>0x{_HEX}*)(?!\w)
  | (?P<duration>(?:(?:\d+{_UNIT})+|{_ISO_ALTERNATIVE}|{_ISO_DESIGNATORS})(?!\w))
  | (?P<float>\d+(?:\.\d*(?:e[+-]?\d+)?|e[+-]?\d+))
  | (?P<integer>\d+)
  | (?P<ident2>[a-z][a-z0-9_]*)
  | (?P<end>\Z)
    )
    """,
    re.VERBOSE | re.DOTALL | re.IGNORECASE | re.ASCII,
)
_WHITESPACE: Final = re.compile(r"[ \t\r\n\f\v]*")

# Characters that open a multi-character token, and how it must end.
_UNTERMINATED: Final = {"'": "'''", '"': "'\"'", "$": "'$$'", "/": "'*/'"}

# Token kinds whose text may span lines.
_MULTILINE: Final = frozenset({"comment", "string", "pgstring", "qident"})


def _error(line: int, col: int, message: str) -> CqlSyntaxError:
    return CqlSyntaxError(f"line {line}:{col} {message}")


def _lex_error(text: str, pos: int, line: int, line_start: int) -> CqlSyntaxError:
    """The error for the character at `pos`, which starts no token."""
    ch = text[pos]
    col = pos - line_start
    if text.startswith('""', pos):
        return _error(line, col, "no viable alternative at input '\"\"'")
    expect = _UNTERMINATED.get(ch)
    if expect is not None and (
        (ch != "/" or text.startswith("/*", pos)) and (ch != "$" or text.startswith("$$", pos))
    ):
        # Unterminated string / name / comment: reported at the end of the
        # input, as Cassandra's lexer does.
        nl = text.count("\n", pos)
        eline = line + nl
        ecol = len(text) - (text.rfind("\n") + 1 if nl else line_start)
        return _error(eline, ecol, f"mismatched character '<EOF>' expecting {expect}")
    return _error(line, col, f"no viable alternative at character '{ch}'")


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens; the list always ends with one EOF token.

    Whitespace and comments are dropped. Raises CqlSyntaxError on a
    character that starts no token or an unterminated string/comment.
    """
    tokens: list[Token] = []
    append = tokens.append
    match = _MASTER.match
    count = text.count
    pos = 0
    line = 1
    line_start = 0
    while True:
        m = match(text, pos)
        if m is None:
            ws = _WHITESPACE.match(text, pos)
            start = ws.end() if ws else pos
            nl = count("\n", pos, start)
            if nl:
                line += nl
                line_start = text.rindex("\n", pos, start) + 1
            raise _lex_error(text, start, line, line_start)
        kind = m.lastgroup or ""
        start = m.start(kind)
        if start != pos:
            nl = count("\n", pos, start)
            if nl:
                line += nl
                line_start = text.rindex("\n", pos, start) + 1
        col = start - line_start
        pos = m.end()
        raw = text[start:pos]
        if kind == "ident" or kind == "ident2":
            append(Token(IDENT, raw.lower(), raw, line, col))
        elif kind == "op":
            append(Token(OP, raw, raw, line, col))
        elif kind == "end":
            append(Token(EOF, "", "<EOF>", line, col))
            return tokens
        elif kind == "integer":
            append(Token(INTEGER, raw, raw, line, col))
        elif kind == "string":
            append(Token(STRING, raw[1:-1].replace("''", "'"), raw, line, col))
        elif kind == "qident":
            append(Token(QIDENT, raw[1:-1].replace('""', '"'), raw, line, col))
        elif kind == "float":
            append(Token(FLOAT, raw, raw, line, col))
        elif kind == "uuid":
            append(Token(UUID, raw, raw, line, col))
        elif kind == "blob":
            append(Token(BLOB, raw[2:], raw, line, col))
        elif kind == "duration":
            append(Token(DURATION, raw, raw, line, col))
        elif kind == "pgstring":
            append(Token(STRING, raw[2:-2], raw, line, col))
        # else: a comment, dropped
        if kind in _MULTILINE:
            nl = raw.count("\n")
            if nl:
                line += nl
                line_start = start + raw.rindex("\n") + 1
