"""Whether the database has been set up: a command on a new GRADPHOTO_HOME says so in one line."""

from __future__ import annotations

from django.core.management.base import CommandError

NO_DATABASE = "数据库尚未建立：请先运行 gradphoto migrate（或 gradphoto demo）"


def unmigrated() -> bool:
    """Whether this database lacks migrations (a new GRADPHOTO_HOME before migrate, or an old one)."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def require_database() -> None:
    """Exit 2 with one line, instead of a traceback from the first missing table."""
    if unmigrated():
        raise CommandError(f"{NO_DATABASE} (no_database)", returncode=2)
