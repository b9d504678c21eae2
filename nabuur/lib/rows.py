"""Model instances from the rows of SQL of our own, converted as Django's own queries convert
them.

A few statements run on nearly every staff page; Django takes longer to build them than the
database takes to answer (docs/performance.md). Written in SQL, their rows still have to become
the instances the rest of the code expects: the same Python values as the ORM gives (SQLite
returns a time without its zone, a JSON field as text), and unread fields deferred.
"""

from django.db import connection


class RowReader:
    """Reads one model's columns from a row: `select(alias)` names them for a SELECT, in the
    order of the model's fields; `read(values)` makes the instance of those values."""

    def __init__(self, model, *, leave_out=()):
        self.model = model
        self.fields = [
            field for field in model._meta.concrete_fields if field.name not in leave_out
        ]
        self.names = [field.attname for field in self.fields]
        self._converters = {}

    def __len__(self):
        return len(self.fields)

    def select(self, alias):
        return ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in self.fields)

    def read(self, values):
        """The instance (unread fields deferred), or None for a row of a LEFT JOIN that found
        none."""
        if values[0] is None:
            return None
        key = (connection.alias, connection.vendor)
        if key not in self._converters:
            self._converters[key] = converters(self.fields)
        values = converted(values, self._converters[key])
        return self.model.from_db(connection.alias, self.names, values)


def converters(fields):
    """[(position, column, [converter, …])] for the `fields` (of a row, in order) whose values
    Django converts, as its compiler finds them: the backend's converters, then the field's."""
    found = []
    for position, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        chain = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if chain:
            found.append((position, column, chain))
    return found


def converted(values, found):
    """The row's `values` as Django's own query would give them (`found`: from converters())."""
    values = list(values)
    for position, column, chain in found:
        for convert in chain:
            values[position] = convert(values[position], column, connection)
    return values
