"""Render a recovery message: line items with images and prices, the incentive and the recovery link, and
the unsubscribe footer and headers every marketing email carries."""

from __future__ import annotations

from html import escape

from storeloom.domain.model import LineItem

_SUBJECTS = ("You left something in your cart", "Your cart is waiting", "Last chance: your cart expires soon")


def subject_for(step: int) -> str:
    return _SUBJECTS[min(step, len(_SUBJECTS) - 1)]


def render_text(items: list[LineItem], recovery_url: str | None, incentive: str | None) -> str:
    lines = [f"- {i.quantity} x {i.title}: {i.unit_price.amount} {i.unit_price.currency}" for i in items]
    if incentive:
        lines.append(f"Use code {incentive} at checkout.")
    if recovery_url:
        lines.append(f"Complete your order: {recovery_url}")
    return "\n".join(lines)


def render_html(items: list[LineItem], recovery_url: str | None, incentive: str | None) -> str:
    rows = "".join(
        "<tr>"
        + (f'<td><img src="{escape(i.image_url)}" alt="" width="80"></td>' if i.image_url else "<td></td>")
        + f"<td>{i.quantity} &times; {escape(i.title)}</td>"
        + f"<td>{escape(str(i.unit_price.amount))} {escape(i.unit_price.currency)}</td></tr>"
        for i in items
    )
    parts = [f"<table>{rows}</table>"]
    if incentive:
        parts.append(f"<p>Use code <strong>{escape(incentive)}</strong> at checkout.</p>")
    if recovery_url:
        parts.append(f'<p><a href="{escape(recovery_url)}">Complete your order</a></p>')
    return "".join(parts)


def unsubscribe_text(url: str) -> str:
    return f"\n\nTo stop these emails, unsubscribe: {url}"


def unsubscribe_html(url: str) -> str:
    return f'<p style="font-size:small"><a href="{escape(url)}">Unsubscribe</a> from these emails.</p>'


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe and RFC 8058 one-click: mail clients POST to ``url`` with no page to visit."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
