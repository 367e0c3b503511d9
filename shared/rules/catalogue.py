"""The certification catalogue and the list of legacy competencies, as data.

`data/certifications.json` holds one entry per credential: a stable id, its official name, the
names the tables, the rulebooks and the feeds use for it, and the days from and through which it
counts. `data/legacy-competencies.json` holds the Microsoft competencies of 2022. Both files are
read once and validated; a name is then resolved with no IO and no clock (the day is an argument).

Name matching ignores case, whitespace and punctuation, reads '&' as 'and', expands the file's
abbreviations (D365, M365 ...), and makes a leading prefix ("Microsoft Certified:") and a trailing
level word ("Associate", "Expert" ...) optional. A name never resolves to two entries: two entries
with the same full name are refused at load, and a name written without its level word resolves
only when exactly one entry has that name with some level word (the Supply Chain Management
Functional Consultant exists as Associate and as Expert, so it needs its level word).
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

DATA_DIR = Path(__file__).parent / "data"
CERTIFICATIONS_FILE = DATA_DIR / "certifications.json"
COMPETENCIES_FILE = DATA_DIR / "legacy-competencies.json"
TABLES = ("V2022", "V2023", "V2026")
MAX_NAME = 200  # the event contract's longest text field (Text200)
_TOKEN = re.compile(r"[^\W_]+|&")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ENTRY_KEYS = {"id", "name", "aliases", "countsFrom", "countsThrough", "retires", "listedIn", "source"}
_AMBIGUOUS = object()
_CERTIFIED = "microsoft certified:"


class CatalogueError(ValueError):
    """A catalogue file is invalid; the message names the file and the bad entry."""


class Certification(NamedTuple):
    id: str
    name: str
    aliases: tuple[str, ...]
    counts_from: date | None
    counts_through: date | None
    retires: date | None
    listed_in: tuple[str, ...]
    source: str


def normalize_certification(name: str) -> str:
    """The roster's key for a name as a feed wrote it: case and spacing ignored, a leading
    'Microsoft Certified:' dropped (the catalogue resolves the key to its entry)."""
    n = " ".join(name.split()).lower()
    if n.startswith(_CERTIFIED):
        n = n[len(_CERTIFIED) :].strip()
    return n


def counts_on(entry: Certification, day: date) -> bool:
    """The credential counts on `day` (both bounds inclusive; no bound = open)."""
    return (entry.counts_from is None or entry.counts_from <= day) and (
        entry.counts_through is None or day <= entry.counts_through
    )


def _tokens(name: str) -> list[str]:
    return ["and" if t == "&" else t for t in _TOKEN.findall(name.casefold())]


def _replace(tokens: list[str], table: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]) -> list[str]:
    """Each occurrence of a token sequence of `table` replaced by its expansion (longest first)."""
    starts = {short[0] for short, _ in table}
    if starts.isdisjoint(tokens):
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for short, long in table:
            if tuple(tokens[i : i + len(short)]) == short:
                out.extend(long)
                i += len(short)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


class Catalogue:
    """A validated catalogue: entries by id and the two name indexes."""

    def __init__(self, raw: Any, where: str) -> None:
        self.where = where
        if not isinstance(raw, dict) or set(raw) != {"sources", "notes", "normalisation", "certifications"}:
            raise CatalogueError(f"{where}: expected the keys sources, notes, normalisation, certifications")
        _texts(raw["sources"], f"{where}: sources")
        norm = raw["normalisation"]
        if not isinstance(norm, dict) or set(norm) != {"prefixes", "levels", "abbreviations"}:
            raise CatalogueError(f"{where}: normalisation: expected the keys prefixes, levels, abbreviations")
        _texts(norm["prefixes"], f"{where}: normalisation.prefixes")
        _texts(norm["levels"], f"{where}: normalisation.levels")
        abbreviations = norm["abbreviations"]
        if not isinstance(abbreviations, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and _tokens(k) and _tokens(v) for k, v in abbreviations.items()
        ):
            raise CatalogueError(f"{where}: normalisation.abbreviations: expected names mapped to names")
        self._abbreviations = tuple(
            sorted(((tuple(_tokens(k)), tuple(_tokens(v))) for k, v in abbreviations.items()), key=lambda p: -len(p[0]))
        )
        self._prefixes = tuple(
            sorted((tuple(self._expand(_tokens(p))) for p in norm["prefixes"]), key=len, reverse=True)
        )
        self._levels = frozenset(w for level in norm["levels"] for w in _tokens(level))
        # "Microsoft 365 Fundamentals" without its level word is the product's name, not a credential's
        self._vendors = frozenset(self._prefixes) | {p[:-1] for p in self._prefixes if len(p) > 1}
        self.entries: tuple[Certification, ...] = tuple(
            self._entry(e, f"{where}: certifications[{i}]") for i, e in enumerate(_list(raw["certifications"], where))
        )
        self.by_id: dict[str, Certification] = {}
        self._full: dict[str, Certification] = {}
        self._bare: dict[str, Any] = {}
        for i, entry in enumerate(self.entries):
            if entry.id in self.by_id:
                raise CatalogueError(f"{where}: certifications[{i}].id: duplicate id {entry.id!r}")
            self.by_id[entry.id] = entry
            for name in (entry.name, *entry.aliases):
                key = self.key(name)
                if not key:
                    raise CatalogueError(f"{where}: certifications[{i}] ({entry.id}): {name!r} has no letters or digits")
                other = self._full.setdefault(key, entry)
                if other is not entry:
                    raise CatalogueError(
                        f"{where}: certifications[{i}] ({entry.id}): {name!r} is also a name of {other.id!r}"
                    )
                bare = self._without_level(key.split())
                if bare is not None:
                    seen = self._bare.setdefault(bare, entry)
                    if seen is not entry:
                        self._bare[bare] = _AMBIGUOUS

    def _expand(self, tokens: list[str]) -> list[str]:
        return _replace(tokens, self._abbreviations)

    def _without_level(self, tokens: list[str]) -> str | None:
        if len(tokens) > 1 and tokens[-1] in self._levels and tuple(tokens[:-1]) not in self._vendors:
            return " ".join(tokens[:-1])
        return None

    def key(self, name: str) -> str:
        """The normal form of a name: tokens, abbreviations expanded, a prefix dropped when a name
        remains after it (so "Microsoft 365 Certified: Fundamentals" keeps its prefix)."""
        tokens = self._expand(_tokens(name))
        for prefix in self._prefixes:
            rest = tokens[len(prefix) :]
            if tuple(tokens[: len(prefix)]) == prefix and rest and not (len(rest) == 1 and rest[0] in self._levels):
                tokens = rest
                break
        return " ".join(tokens)

    def resolve(self, name: object) -> Certification | None:
        """The entry `name` designates, or None (unknown, misspelt, ambiguous or not a name)."""
        if not isinstance(name, str) or len(name) > MAX_NAME:
            return None
        key = self.key(name)
        entry = self._full.get(key)
        if entry is None and key and key.rsplit(" ", 1)[-1] not in self._levels:
            found = self._bare.get(key)
            entry = None if found is _AMBIGUOUS else found
        return entry

    def _entry(self, raw: Any, where: str) -> Certification:
        if not isinstance(raw, dict) or set(raw) != _ENTRY_KEYS:
            keys = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
            raise CatalogueError(f"{where}: expected the keys {sorted(_ENTRY_KEYS)}, got {keys}")
        ident = raw["id"]
        if not isinstance(ident, str) or not _ID.match(ident):
            raise CatalogueError(f"{where}.id: expected lower-case words joined by '-', got {ident!r}")
        where = f"{where} ({ident})"
        name = _text(raw["name"], f"{where}.name")
        aliases = tuple(_texts(raw["aliases"], f"{where}.aliases", allow_empty=True))
        counts_from = _day(raw["countsFrom"], f"{where}.countsFrom")
        counts_through = _day(raw["countsThrough"], f"{where}.countsThrough")
        retires = _day(raw["retires"], f"{where}.retires")
        if counts_from and counts_through and counts_through < counts_from:
            raise CatalogueError(f"{where}.countsThrough: {counts_through} is before countsFrom {counts_from}")
        if retires and counts_through and counts_through < retires:
            raise CatalogueError(f"{where}.countsThrough: {counts_through} is before the retirement {retires}")
        listed = tuple(_texts(raw["listedIn"], f"{where}.listedIn"))
        if not set(listed) <= set(TABLES):
            raise CatalogueError(f"{where}.listedIn: expected some of {list(TABLES)}, got {list(listed)}")
        source = _text(raw["source"], f"{where}.source")
        return Certification(ident, name, aliases, counts_from, counts_through, retires, listed, source)


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise CatalogueError(f"{where}: expected a list")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME * 2:
        raise CatalogueError(f"{where}: expected a non-empty text, got {value!r}")
    return value


def _texts(value: Any, where: str, allow_empty: bool = False) -> list[str]:
    items = _list(value, where)
    if not items and not allow_empty:
        raise CatalogueError(f"{where}: expected at least one entry")
    return [_text(v, f"{where}[{i}]") for i, v in enumerate(items)]


def _day(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, str) and _DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CatalogueError(f"{where}: expected a day YYYY-MM-DD or null, got {value!r}")


def load_catalogue(path: Path = CERTIFICATIONS_FILE) -> Catalogue:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CatalogueError(f"{path.name}: {e}") from e
    return Catalogue(raw, path.name)


@cache
def catalogue() -> Catalogue:
    """The packaged catalogue, loaded and validated once per process."""
    return load_catalogue()


def resolve(name: object) -> Certification | None:
    """The packaged catalogue's entry for `name`, or None."""
    return _resolve(name) if isinstance(name, str) else None


@lru_cache(maxsize=4096)
def _resolve(name: str) -> Certification | None:
    # Feeds repeat a few names; the normal form is computed once per distinct name.
    return catalogue().resolve(name)


# --- legacy competencies ---------------------------------------------------------------------------


class Competencies:
    """The validated list of legacy competencies: normal form -> official name."""

    def __init__(self, raw: Any, where: str) -> None:
        if not isinstance(raw, dict) or set(raw) != {"sources", "notes", "competencies"}:
            raise CatalogueError(f"{where}: expected the keys sources, notes, competencies")
        _texts(raw["sources"], f"{where}: sources")
        self.names: tuple[str, ...] = ()
        self._by_key: dict[str, str] = {}
        for i, entry in enumerate(_list(raw["competencies"], where)):
            at = f"{where}: competencies[{i}]"
            if not isinstance(entry, dict) or set(entry) != {"name", "aliases"}:
                raise CatalogueError(f"{at}: expected the keys name, aliases")
            name = _text(entry["name"], f"{at}.name")
            self.names += (name,)
            for alias in (name, *_texts(entry["aliases"], f"{at}.aliases", allow_empty=True)):
                key = self.key(alias)
                if not key:
                    raise CatalogueError(f"{at}: {alias!r} has no letters or digits")
                other = self._by_key.setdefault(key, name)
                if other != name:
                    raise CatalogueError(f"{at}: {alias!r} is also a name of {other!r}")

    @staticmethod
    def key(name: str) -> str:
        tokens = _tokens(name)
        if len(tokens) > 1 and tokens[-1] == "competency":
            tokens = tokens[:-1]
        return " ".join(tokens)

    def competency(self, name: object) -> str | None:
        """The official name of the legacy competency `name` designates, or None."""
        if not isinstance(name, str) or len(name) > MAX_NAME:
            return None
        return self._by_key.get(self.key(name))


def load_competencies(path: Path = COMPETENCIES_FILE) -> Competencies:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CatalogueError(f"{path.name}: {e}") from e
    return Competencies(raw, path.name)


@cache
def competencies() -> Competencies:
    return load_competencies()


def competency(name: object) -> str | None:
    """The official name of a legacy (2022) competency, or None for anything else."""
    return competencies().competency(name)
