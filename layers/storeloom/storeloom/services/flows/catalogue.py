"""Which steps run for each flow: the step runner is handed this, so it never imports a flow itself."""

from __future__ import annotations

from collections.abc import Mapping

from storeloom.domain.flow_config import ABANDONED_CART, POST_PURCHASE, WINBACK
from storeloom.services.flows.cart_recovery import CartRecovery
from storeloom.services.flows.post_purchase import PostPurchase
from storeloom.services.flows.steps import FlowSteps
from storeloom.services.flows.winback import Winback


def flow_steps() -> Mapping[str, FlowSteps]:
    return {ABANDONED_CART: CartRecovery(), POST_PURCHASE: PostPurchase(), WINBACK: Winback()}
