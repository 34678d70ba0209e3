"""The local stack's fix to moto: a state machine runs executions side by side in server mode."""

from __future__ import annotations

import json
import time

import pytest
from moto.stepfunctions.models import StateMachineInstance

from storeloom_tools.local.provision import ROLE_ARN
from storeloom_tools.local.stack import LocalStack

pytestmark = pytest.mark.e2e
WAIT_THEN_SUCCEED = {
    "StartAt": "Wait",
    "States": {"Wait": {"Type": "Wait", "Seconds": 1, "Next": "Done"}, "Done": {"Type": "Succeed"}},
}


def test_moto_still_keeps_executions_on_the_state_machine() -> None:
    instance = StateMachineInstance("arn", "name", "{}", "role")
    assert instance.executions == []


def test_second_execution_starts_while_the_first_waits(local_stack: LocalStack) -> None:
    sfn = local_stack.client("stepfunctions")
    arn = sfn.create_state_machine(name="overlap", definition=json.dumps(WAIT_THEN_SUCCEED), roleArn=ROLE_ARN)[
        "stateMachineArn"
    ]
    first = sfn.start_execution(stateMachineArn=arn, name="first")["executionArn"]
    second = sfn.start_execution(stateMachineArn=arn, name="second")["executionArn"]
    deadline = time.monotonic() + 20
    statuses: list[str] = []
    while time.monotonic() < deadline:
        statuses = [sfn.describe_execution(executionArn=e)["status"] for e in (first, second)]
        if statuses == ["SUCCEEDED", "SUCCEEDED"]:
            break
        time.sleep(0.2)
    assert statuses == ["SUCCEEDED", "SUCCEEDED"]


def test_moto_still_copies_whole_tables_to_roll_a_transaction_back() -> None:
    # The patch exists because of this; if moto stops doing it, the patch can go.
    import inspect

    from moto.dynamodb.models import DynamoDBBackend

    method = DynamoDBBackend.transact_write_items
    source = inspect.getsource(getattr(method, "__wrapped__", method))
    assert "copy.deepcopy(" in source and "original_table_state" in source


def test_a_cancelled_transaction_still_leaves_every_item_as_it_was(local_stack: LocalStack) -> None:
    dynamodb = local_stack.client("dynamodb")
    dynamodb.create_table(
        TableName="txn",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    kept = {"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"N": "1"}}
    dynamodb.put_item(TableName="txn", Item=kept)
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "txn", "Item": {**kept, "v": {"N": "2"}}}},
                {"Put": {"TableName": "txn", "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
                {
                    "Put": {
                        "TableName": "txn",
                        "Item": {"pk": {"S": "c"}, "sk": {"S": "1"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    items = dynamodb.scan(TableName="txn")["Items"]
    assert items == [kept]  # the overwrite undone, the new item gone

    dynamodb.transact_write_items(TransactItems=[{"Put": {"TableName": "txn", "Item": {**kept, "v": {"N": "3"}}}}])
    assert dynamodb.get_item(TableName="txn", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]["v"] == {"N": "3"}
