"""moto server for benchmarks with large runs: moto 5.2.5 with three speed-ups that keep its behaviour.

Used by bench/dynamodb.sh; tests use the plain moto_server. Run it with the project's moto venv:

    .venv/moto/bin/python bench/moto-bench-server.py -H 127.0.0.1 -p 5999

Plain moto's cost per request grows with the table (measured at 100 / 1,000 / 10,000 items: a 4-item
TransactWriteItems 0.16 / 0.45 / 1.9 s, a GSI query with Limit 4 12 / 100 / 260 ms), which makes a 10,000-task
run take many hours. The causes, and what this file changes:

1. TransactWriteItems deep-copies the whole table once per item of the transaction, to roll it back if a
   condition fails. Here only the items the transaction names are copied, and restored on failure.
2. Query (table or index) sorts the matching items with DynamoType comparisons, which recompute each
   value's cast_value on every comparison. Here each item's sort key is computed once.
3. DynamoType.cast_value for a string is the string itself; answered without the chain of type checks.

It still scans the whole table on every Query (moto has no index structures), so a query costs O(table) here
too, but about ten times less. Request results are the same as plain moto's; the request units the bench
reports are computed by the store from the items sent and received, so they do not depend on the emulator.
"""
import copy
import sys

import moto.dynamodb.models as backend_module
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table


class _CopyWithoutTables:
    """Stands in for the copy module inside moto.dynamodb.models: deepcopy(table) returns the table itself."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(x, memo=None):
        if isinstance(x, Table):
            return x
        return copy.deepcopy(x, memo)


backend_module.copy = _CopyWithoutTables()
_transact_write_items = DynamoDBBackend.transact_write_items


def transact_write_items(self, transact_items):
    saved = []
    for entry in transact_items:
        if len(entry) != 1:
            continue  # moto rejects it before writing anything
        _, op = next(iter(entry.items()))
        table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
        attrs = (op.get("Key") or op.get("Item")) if table is not None else None
        if not attrs or table.hash_key_attr not in attrs:
            continue
        hash_key = DynamoType(attrs[table.hash_key_attr])
        range_key = None
        if table.range_key_attr is not None:
            if table.range_key_attr not in attrs:
                continue
            range_key = DynamoType(attrs[table.range_key_attr])
        saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
    try:
        return _transact_write_items(self, transact_items)
    except BaseException:
        for table, hash_key, range_key, before in reversed(saved):
            if range_key is None:
                if before is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = before
            elif before is None:
                if hash_key in table.items:
                    table.items[hash_key].pop(range_key, None)
            else:
                table.items[hash_key][range_key] = before
        raise


DynamoDBBackend.transact_write_items = transact_write_items


def sorted_items(self, hash_key_attrs, range_key_attrs, items):
    attrs = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
    items.sort(key=lambda x: tuple(x.attrs[a].cast_value for a in attrs))
    return items


Table.sorted_items = sorted_items
_cast_value = DynamoType.cast_value.fget


def _fast_cast_value(self):
    if self.type == "S":
        return self.value
    return _cast_value(self)


DynamoType.cast_value = property(_fast_cast_value)

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
