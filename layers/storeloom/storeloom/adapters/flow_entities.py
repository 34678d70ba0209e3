"""The flows' read side of the entity store: typed carts, customers, orders and products."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.adapters.entities import PURCHASE_MARKS, entity_partition
from storeloom.domain.model import Cart, Customer, Order, Product
from storeloom.domain.purchases import PurchaseMark, parse_marks

E = TypeVar("E", bound=BaseModel)
_BATCH_GET_LIMIT = 100


def batch_get(client: Any, table: str, keys: list[dict[str, Any]], attempts: int = 5) -> list[dict[str, Any]]:
    """The items of ``keys`` (at most 100) in one BatchGetItem, again for any keys DynamoDB left unprocessed."""
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
    for _ in range(attempts):
        response = client.batch_get_item(RequestItems=request)
        items.extend(response.get("Responses", {}).get(table, []))
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return items
    raise RuntimeError(f"BatchGetItem left keys unprocessed after {attempts} attempts")


def purchase_marks_of(item: dict[str, Any]) -> list[PurchaseMark]:
    values = from_item(item)
    return parse_marks(str(values["entity_id"]), {k: v for k, v in values.items() if isinstance(v, str)})


class DynamoCommerceReader:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def cart(self, store_id: str, cart_id: str) -> Cart | None:
        return self._get(store_id, "cart", cart_id, Cart)

    def customer(self, store_id: str, customer_id: str) -> Customer | None:
        return self._get(store_id, "customer", customer_id, Customer)

    def order(self, store_id: str, order_id: str) -> Order | None:
        return self._get(store_id, "order", order_id, Order)

    def product(self, store_id: str, product_id: str) -> Product | None:
        return self._get(store_id, "product", product_id, Product)

    def products_by_id(self, store_id: str, product_ids: Sequence[str]) -> dict[str, Product]:
        """One BatchGetItem per 100 ids (retrying what DynamoDB leaves unprocessed)."""
        found: dict[str, Product] = {}
        ids = list(dict.fromkeys(product_ids))
        partition = entity_partition(store_id, "product")
        for start in range(0, len(ids), _BATCH_GET_LIMIT):
            keys = [to_item({"pk": partition, "entity_id": i}) for i in ids[start : start + _BATCH_GET_LIMIT]]
            for item in batch_get(self._client, self._table, keys):
                body = from_item(item).get("body")
                if body:
                    product = Product.model_validate_json(body)
                    found[product.id] = product
        return found

    def purchases(self, store_id: str, marks: Sequence[str]) -> list[PurchaseMark]:
        partition = entity_partition(store_id, PURCHASE_MARKS)
        keys = [to_item({"pk": partition, "entity_id": m}) for m in dict.fromkeys(marks)]
        found: list[PurchaseMark] = []
        for start in range(0, len(keys), _BATCH_GET_LIMIT):
            for item in batch_get(self._client, self._table, keys[start : start + _BATCH_GET_LIMIT]):
                found += purchase_marks_of(item)
        return found

    def customers_by_email(self, store_id: str, email: str) -> list[Customer]:
        key = f"{store_id}#{email.strip().lower()}"
        return self._query("by_email", "email_key", key, "customer#", Customer)

    def orders_for(self, store_id: str, customer_ids: Sequence[str], email: str | None) -> list[Order]:
        found: dict[str, Order] = {}
        for customer_id in customer_ids:
            key = f"{store_id}#{customer_id}"
            found.update({o.id: o for o in self._query("by_customer", "customer_key", key, "order#", Order)})
        if email:
            key = f"{store_id}#{email.strip().lower()}"
            found.update({o.id: o for o in self._query("by_email", "email_key", key, "order#", Order)})
        return list(found.values())

    def _get(self, store_id: str, entity_type: str, entity_id: str, model: type[E]) -> E | None:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_item({"pk": entity_partition(store_id, entity_type), "entity_id": entity_id}),
            ConsistentRead=True,
        )
        body = from_item(response.get("Item", {})).get("body")
        return model.model_validate_json(body) if body else None

    def _query(self, index: str, key_name: str, key: str, prefix: str, model: type[E]) -> list[E]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=index,
            KeyConditionExpression=f"{key_name} = :key AND begins_with(sort_key, :prefix)",
            ExpressionAttributeValues=to_item({":key": key, ":prefix": prefix}),
        )
        items = (from_item(item) for page in pages for item in page.get("Items", []))
        return [model.model_validate(json.loads(item["body"])) for item in items if "body" in item]
