"""Querysets compiled once per process and then run with new values: for the busiest requests.

Building a queryset and compiling it to SQL costs far more than running it on an indexed row:
about two thirds of a practice "Check" or a test autosave went into the ORM's compiler. A
`Prepared` query is built once per database connection alias, with stand-in values, and
compiled once; each call swaps the stand-ins for the real values and turns the rows into model
instances the way the queryset would (select_related included), without compiling again.

    question = Prepared(lambda slug, n: Question.objects.filter(pattern__slug=slug, position=n),
                        str, int)
    question.first("keys", 1)

Only plain equality on the stand-ins is supported (the value must reach the SQL unchanged); a
stand-in that the compiler transformed is refused when the query is first compiled.
"""

import secrets
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.constants import OnConflict
from django.db.models.query import get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery


def _stand_ins(kinds: tuple[type, ...], base: int) -> list[Any]:
    values = []
    for i, kind in enumerate(kinds):
        if kind is int:
            # Within every integer field's range (a positive small integer included), or the
            # compiler would drop the condition as impossible.
            values.append(base + i)
        elif kind is str:
            values.append(f"prepared-{base + i}-{secrets.token_hex(8)}")
        else:
            raise TypeError(f"Prepared queries take int or str values, not {kind.__name__}")
    return values


class _Compiled:
    def __init__(self, build: Callable[..., QuerySet], kinds: tuple[type, ...], alias: str):
        # Compiled twice with different stand-ins: the parameters that differ, and equal the
        # stand-ins, are the values' places; a constant that happens to equal one is not.
        first, second = _stand_ins(kinds, 30001), _stand_ins(kinds, 31001)
        queryset = build(*first)
        if queryset.query.annotation_select or queryset._fields is not None:
            raise ValueError("Prepared queries return whole model rows, without annotations")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        other_sql, other_params = build(*second).query.get_compiler(using=alias).as_sql()
        if other_sql != sql or len(other_params) != len(params):
            raise ValueError(f"the SQL depends on the values: {sql}")
        self.sql = sql
        self.params = list(params)
        self.slots: list[list[int]] = []
        for a, b in zip(first, second, strict=True):
            where = [
                i
                for i, (p, q) in enumerate(zip(params, other_params, strict=True))
                # isinstance: PostgreSQL's backend passes a small integer field's value as
                # psycopg's Int2 (an int); the plain value put in its place compares the same.
                if isinstance(p, type(a)) and p == a and q == b
            ]
            if not where:
                raise ValueError(f"a value did not reach the SQL unchanged: {sql}")
            self.slots.append(where)
        self.compiler = compiler
        # What results_iter would work out again on every call: which columns need converting
        # from the database's values (dates, JSON, ...), and how.
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise ValueError(f"Prepared queries do not read composite fields: {sql}")
        self.converters = compiler.get_converters(fields)
        klass_info = compiler.klass_info
        self.start, self.end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.init_list = [f[0].target.attname for f in compiler.select[self.start : self.end]]
        self.model = klass_info["model"]
        self.fetch_mode = queryset._fetch_mode
        self.populators = get_related_populators(
            klass_info, compiler.select, alias, self.fetch_mode
        )

    def run(self, values: tuple, alias: str) -> list[Model]:
        params = list(self.params)
        for slot, value in zip(self.slots, values, strict=True):
            for i in slot:
                params[i] = value
        with connections[alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        objects = []
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        for row in rows:
            obj = self.model.from_db(
                alias, self.init_list, row[self.start : self.end], fetch_mode=self.fetch_mode
            )
            for populator in self.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects


class Prepared:
    """A queryset built by `build(*values)`, compiled once per alias; see the module's text."""

    def __init__(self, build: Callable[..., QuerySet], *kinds: type):
        self.build = build
        self.kinds = kinds
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, alias: str) -> _Compiled:
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = _Compiled(self.build, self.kinds, alias)
        return compiled

    def all(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list[Model]:
        for value, kind in zip(values, self.kinds, strict=True):
            if type(value) is not kind:
                raise TypeError(f"{value!r} is not {kind.__name__}")
            if kind is int and not -(2**63) <= value < 2**63:
                return []  # no column holds it (the ORM, too, answers "nothing" here)
        return self._for(using).run(values, using)

    def first(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> Model | None:
        rows = self.all(*values, using=using)
        return rows[0] if rows else None


class PreparedInsert:
    """One row's INSERT, compiled once per alias: for the busiest writes (a practice Check).

    `insert(obj)` does what `obj.save(force_insert=True)` does for a model without parents:
    the fields' pre_save (auto_now and auto_now_add), the pre_save and post_save signals, and
    the primary key read back. With `ignore_conflicts=True` it is instead
    `bulk_create([obj], ignore_conflicts=True)`: a row that breaks a unique constraint is not
    written, no signals are sent and the primary key is not read. Compiling the INSERT took
    about as long as everything else the save did.
    """

    def __init__(self, model: type[Model], ignore_conflicts: bool = False):
        meta = model._meta
        if meta.parents:
            raise ValueError("Prepared inserts write one table: a model with parents has more")
        if meta.auto_field is None and not ignore_conflicts:
            raise ValueError("Prepared inserts read back an automatic primary key only")
        self.model = model
        self.ignore_conflicts = ignore_conflicts
        self.fields = [
            f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated
        ]
        self._sql: dict[str, tuple[str, bool]] = {}

    def _for(self, obj: Model, alias: str) -> tuple[str, bool]:
        compiled = self._sql.get(alias)
        if compiled is None:
            query = InsertQuery(
                self.model, on_conflict=OnConflict.IGNORE if self.ignore_conflicts else None
            )
            query.insert_values(self.fields, [obj])
            compiler = query.get_compiler(using=alias)
            returning = not self.ignore_conflicts
            if returning:
                compiler.returning_fields = [self.model._meta.auto_field]
            [(sql, params)] = compiler.as_sql()
            # Every value must be a plain placeholder (not an expression or a database default),
            # or the SQL would depend on the values.
            if len(params) != len(self.fields):
                raise ValueError(f"a value did not become one parameter: {sql}")
            reads_pk = returning and connections[alias].features.can_return_columns_from_insert
            compiled = self._sql[alias] = (sql, reads_pk)
        return compiled

    def insert(self, obj: Model, using: str = DEFAULT_DB_ALIAS) -> None:
        self.prepare(obj, using).run()

    def prepare(self, obj: Model, using: str = DEFAULT_DB_ALIAS) -> "PendingInsert":
        """All of the INSERT but the database's part: the pre_save signal and the values.

        Prepared before a transaction and run inside it, the INSERT keeps the transaction (and
        SQLite's write lock, which every other writer waits for) as short as it can be.
        """
        if not self.ignore_conflicts:
            pre_save.send(
                sender=self.model, instance=obj, raw=False, using=using, update_fields=None
            )
        connection = connections[using]
        # What the ORM's compiler does for each value, in the same order.
        params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in self.fields]
        sql, reads_pk = self._for(obj, using)
        return PendingInsert(self, obj, using, sql, params, reads_pk)


class PendingInsert:
    """A PreparedInsert's row with its values worked out: `run()` writes it."""

    def __init__(self, insert: PreparedInsert, obj: Model, using: str, sql, params, reads_pk):
        self.insert, self.obj, self.using = insert, obj, using
        self.sql, self.params, self.reads_pk = sql, params, reads_pk

    def run(self) -> None:
        model, obj, using = self.insert.model, self.obj, self.using
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            if self.insert.ignore_conflicts:
                return
            meta = model._meta
            if self.reads_pk:
                value = cursor.fetchone()[0]
            else:
                value = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
        setattr(obj, meta.auto_field.attname, value)
        obj._state.adding = False
        obj._state.db = using
        post_save.send(
            sender=model,
            instance=obj,
            created=True,
            update_fields=None,
            raw=False,
            using=using,
        )
