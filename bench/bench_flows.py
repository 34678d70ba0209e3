"""Issue 4 and 10 figures: Step Functions state transitions per full 3-step abandoned-cart run, the cost per
1,000 runs (Standard workflows are billed per transition), the AWS requests each step of each flow makes
(abandoned cart, post-purchase, win-back; target at most 5), and the platform API requests of a step's live
re-check (LIVE_RECHECK, on by default)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from storeloom_tools.local import lambda_seam
from storeloom_tools.local.metering import counting_requests
from tests.integration.test_abandoned_cart_flow import Harness, seed
from tests.support.aws import provisioned_stack

PRICE_PER_1000_TRANSITIONS = 0.025
SERVICES = ("dynamodb", "stepfunctions", "sesv2", "events", "sqs", "secretsmanager")


def main() -> None:
    with pytest.MonkeyPatch.context() as patch, provisioned_stack(patch) as aws:
        patch.setenv("POWERTOOLS_LOG_LEVEL", "ERROR")  # the handlers' logs would bury the figures
        harness = Harness(aws)
        clients = [aws.runtime.aws.client(service) for service in SERVICES]
        per_step: list[tuple[int, Counter[str]]] = []

        def dispatch(name: str, event: Any) -> Any:
            with counting_requests(clients, this_thread=True) as counter:
                result = harness.dispatch(name, event)
            per_step.append((int(event.get("step", -1)), counter.calls))
            return result

        restore = lambda_seam.install(dispatch)
        try:
            harness.enable()
            starter_calls = _count(clients, lambda: harness.trigger(seed(harness)))
            executions = harness.finish()
            history = aws.client("stepfunctions").get_execution_history(
                executionArn=executions[0]["executionArn"], maxResults=1000
            )["events"]
        finally:
            restore()
    _report(history, starter_calls, per_step)
    _report_lifecycle()
    _report_live()


def _count(clients: list[Any], action: Any) -> Counter[str]:
    with counting_requests(clients) as counter:
        action()
    return counter.calls


def _report(history: list[dict[str, Any]], starter: Counter[str], per_step: list[tuple[int, Counter[str]]]) -> None:
    transitions = sum(1 for event in history if event["type"].endswith("StateEntered"))
    states = [e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")]
    print(f"state transitions per full 3-step run: {transitions} (target <= 15): {' > '.join(states)}")
    cost = transitions * PRICE_PER_1000_TRANSITIONS
    print(f"Step Functions cost per 1,000 runs: ${cost:.3f} (at ${PRICE_PER_1000_TRANSITIONS} per 1,000 transitions)")
    print(f"flow_starter (entry, one cart event): {sum(starter.values())} AWS requests {dict(starter)}")
    for step, calls in per_step:
        print(f"flow_step step {step}: {sum(calls.values())} AWS requests {dict(calls)}")


def _report_lifecycle() -> None:
    """Each step of a post-purchase run (one cross-sell) and of a win-back run (sent, then purchased), as
    the lifecycle integration test drives them, with the requests a warm function caches shown apart."""
    from tests.integration import test_lifecycle_flows as scenario

    for name, drive in (
        ("post_purchase", scenario.test_a_paid_order_gets_one_cross_sell_of_an_in_stock_related_item),
        ("winback", scenario.test_a_lapsed_vip_gets_a_winback_until_they_buy),
    ):
        with pytest.MonkeyPatch.context() as patch, provisioned_stack(patch) as aws:
            patch.setenv("POWERTOOLS_LOG_LEVEL", "ERROR")
            life = scenario.Lifecycle(aws)
            life.step_requests, life.step_calls_by_op = [], []
            restore = lambda_seam.install(life.dispatch)
            try:
                drive(life)
            finally:
                restore()
            _report_transitions(aws, name)
        for (flow, warm), calls in zip(life.step_requests, life.step_calls_by_op, strict=True):
            total = sum(calls.values())
            print(f"{name} scenario, {flow} step: {warm} AWS requests (target <= 5); {total} with the store record")
            print(f"  and signing keys a cold function reads once per 300 s: {calls}")


def _report_transitions(aws: Any, flow_id: str) -> None:
    """State transitions of each finished run of the flow (Standard workflows bill per transition)."""
    machine = {"post_purchase": "PostPurchaseStateMachine", "winback": "WinbackStateMachine"}[flow_id]
    sfn = aws.client("stepfunctions")
    for execution in sfn.list_executions(stateMachineArn=aws.ref(machine))["executions"]:
        events = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
        transitions = sum(1 for event in events if event["type"].endswith("StateEntered"))
        steps = sum(1 for event in events if event["type"] == "TaskStateEntered")
        cost = transitions * PRICE_PER_1000_TRANSITIONS
        print(f"{flow_id}: {transitions} state transitions for a run of {steps} steps, ${cost:.3f} per 1,000 runs")


def _report_live() -> None:
    """One step of a cart (one customer, one product) re-checked against a fake Shopify: the platform API
    requests it makes when the platform answers, and when it is down (500s: fallback or defer)."""
    from tests.unit.flows_builders import STORE
    from tests.unit.test_flows_live import live_over, run, shop, shop_world

    for label, faults in (("platform up", 0), ("platform down", 1000)):
        api = shop()
        api.faults.storm(500, faults)
        live = live_over(api, "shopify")
        world = shop_world()
        run(world, live)
        decision = world.decisions.list(STORE)[0]
        source = decision.detail.get("enrichment") or decision.reason
        print(f"live re-check, {label}: {live.requests(STORE)} platform API requests per step ({source})")
    print("  (Stores GetItem and Secrets Manager read once per store per 300 s in a warm function)")


if __name__ == "__main__":
    main()
