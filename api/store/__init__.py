"""MongoDB access. The only package that imports motor (or mongomock-motor).

Documents keep snowflakes as decimal strings (a Discord id may exceed BSON's signed int64) and
times as UTC datetimes truncated to milliseconds (BSON's precision, so cursors round-trip).
"""

from .database import Database, open_database

__all__ = ["Database", "open_database"]
