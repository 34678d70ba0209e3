"""Three fixes to moto for the local stack.

Step Functions runs concurrent executions of a state machine: moto's executing backend deep-copies the
state machine on every StartExecution, including its list of executions. An execution still running holds a
thread lock, which cannot be copied, so a second execution started while the first waits fails with a 500.
The copy only snapshots the definition for the new execution, so it is made here without the executions list.

DynamoDB's TransactWriteItems costs what one item costs, not what the table holds: moto deep-copies every
table a transaction names, whole, to roll back on failure, so each claim-and-store of the ingest path grew
with the tables (30 events/s on a fresh stack, 5.5 after 1,000 events). Here the transaction keeps copies of
only the items it touches and puts those back on failure, which is the same rollback.

DynamoDB applies a conditional write or a transaction atomically; moto's server checks the condition and
then writes, on as many threads as there are requests, so two concurrent claims of one key could both
succeed (and a failed transaction's rollback could undo another's write). Here DynamoDB requests run one
at a time, as one table partition would serve them.

tests/e2e/test_moto_patches.py and test_local_stack.py fail if moto changes these.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.stepfunctions.models import StateMachineInstance

_transacting = threading.local()
_one_request_at_a_time = threading.RLock()


def _copy_without_executions(self: StateMachineInstance, memo: dict[int, Any]) -> StateMachineInstance:
    clone = copy.copy(self)
    memo[id(self)] = clone
    for name, value in vars(self).items():
        setattr(clone, name, [] if name == "executions" else copy.deepcopy(value, memo))
    return clone


def _table_copy(self: Table, memo: dict[int, Any]) -> Table:
    """Inside a transaction the table itself stands for its copy (its items are saved one by one)."""
    if getattr(_transacting, "depth", 0):
        return self
    clone = copy.copy(self)
    memo[id(self)] = clone
    for name, value in vars(self).items():
        setattr(clone, name, copy.deepcopy(value, memo))
    return clone


Saved = tuple[Table, DynamoType, DynamoType | None, Any]


def _saved_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[Saved]:
    saved: list[Saved] = []
    for entry in transact_items:
        _op_type, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName", ""))
        attributes = op.get("Item") or op.get("Key") or {}
        if table is None or table.hash_key_attr not in attributes:
            continue
        hash_key = DynamoType(attributes[table.hash_key_attr])
        range_key = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr in attributes else None
        current = table.items.get(hash_key)
        item = current.get(range_key) if range_key is not None and isinstance(current, dict) else current
        saved.append((table, hash_key, range_key, copy.deepcopy(item)))
    return saved


def _put_back(saved: list[Saved]) -> None:
    for table, hash_key, range_key, item in reversed(saved):
        if range_key is None:
            if item is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = item
        elif item is None:
            table.items.get(hash_key, {}).pop(range_key, None)
        else:
            table.items[hash_key][range_key] = item


def _item_level_transactions(original: Callable[..., None]) -> Callable[..., None]:
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        saved = _saved_items(self, transact_items)
        _transacting.depth = getattr(_transacting, "depth", 0) + 1
        try:
            original(self, transact_items)
        except Exception:
            _put_back(saved)
            raise
        finally:
            _transacting.depth -= 1

    transact_write_items.__wrapped__ = original  # type: ignore[attr-defined]
    return transact_write_items


def _serialized(original: Callable[..., Any]) -> Callable[..., Any]:
    def call_action(self: DynamoHandler) -> Any:
        with _one_request_at_a_time:
            return original(self)

    call_action.__wrapped__ = original  # type: ignore[attr-defined]
    return call_action


def install() -> Callable[[], None]:
    """Patch moto; return a function that restores it."""
    had_own = "__deepcopy__" in vars(StateMachineInstance)
    previous = vars(StateMachineInstance).get("__deepcopy__")
    StateMachineInstance.__deepcopy__ = _copy_without_executions  # type: ignore[attr-defined]
    original_transact = DynamoDBBackend.transact_write_items
    DynamoDBBackend.transact_write_items = _item_level_transactions(original_transact)  # type: ignore[method-assign]
    Table.__deepcopy__ = _table_copy  # type: ignore[attr-defined]
    original_call = DynamoHandler.call_action
    DynamoHandler.call_action = _serialized(original_call)  # type: ignore[method-assign]

    def restore() -> None:
        if had_own:
            StateMachineInstance.__deepcopy__ = previous  # type: ignore[attr-defined]
        else:
            del StateMachineInstance.__deepcopy__  # type: ignore[attr-defined]
        DynamoDBBackend.transact_write_items = original_transact  # type: ignore[method-assign]
        del Table.__deepcopy__  # type: ignore[attr-defined]
        DynamoHandler.call_action = original_call  # type: ignore[method-assign]

    return restore
