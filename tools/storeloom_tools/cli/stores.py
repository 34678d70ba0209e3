"""``storeloom stores add`` and ``remove``: a store, its secrets in Secrets Manager, its poll schedules."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from storeloom.bootstrap import services
from storeloom.domain.stores import StoreSecrets
from storeloom.domain.types import PLATFORMS
from storeloom.platforms.catalogue import DESCRIPTORS
from storeloom.platforms.registry import SUPPORTED_PLATFORMS
from storeloom.platforms.signatures import SIGNATURE_CHECKS
from storeloom.services.stores import CredentialsRefused, NewStore, check_credentials, register_store, remove_store
from storeloom_tools.cli.common import add_endpoint_arguments, print_json_line, registered_store
from storeloom_tools.cli.sync import add_status_parser
from storeloom_tools.errors import CliError
from storeloom_tools.local import endpoint

_DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stores = subparsers.add_parser("stores", help="register stores and see their health")
    actions = stores.add_subparsers(dest="stores_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="register a store and its secrets")
    add.add_argument("--platform", required=True, help=", ".join(SUPPORTED_PLATFORMS))
    add.add_argument("--store-id", required=True)
    add.add_argument("--api-url", required=True, help="the store's base URL (http://127.0.0.1:PORT for fakes)")
    add.add_argument(
        "--api-key",
        help="Shopify/BigCommerce access token, WooCommerce consumer key, Magento access token, Amazon LWA client id",
    )
    add.add_argument(
        "--api-secret", help="WooCommerce consumer secret, Magento access token secret, Amazon LWA client secret"
    )
    add.add_argument("--consumer-key", help="Magento (--auth oauth1): the integration's consumer key")
    add.add_argument("--consumer-secret", help="Magento (--auth oauth1): the integration's consumer secret")
    add.add_argument("--auth", choices=("bearer", "oauth1"), help="Magento: how requests are signed (default bearer)")
    add.add_argument(
        "--shopify-api",
        choices=("graphql", "rest"),
        help="Shopify: the Admin API polled (default graphql; rest for custom apps that use it)",
    )
    add.add_argument("--refresh-token", help="Amazon SP-API: the seller's Login with Amazon refresh token")
    add.add_argument("--marketplace-ids", help="Amazon SP-API: comma-separated marketplace ids whose orders are read")
    add.add_argument("--lwa-token-url", help="Amazon SP-API: the token endpoint (default Login with Amazon's)")
    add.add_argument("--currency", help="the store's currency, for prices a platform sends without one (ISO 4217)")
    add.add_argument(
        "--skip-check",
        action="store_true",
        help="register without asking the platform API once whether the credentials work",
    )
    add.add_argument("--webhook-secret", action="append", default=[], help="repeat during a secret rotation")
    add.add_argument("--poll-minutes", type=int, default=15, help="poll interval (default 15)")
    add.add_argument("--location-ids", help="Shopify: comma-separated location ids whose inventory is polled")
    add.add_argument(
        "--shop-domain",
        help="the shop's own domain, which its webhooks name (default: the --api-url host, for myshopify.com "
        "and WooCommerce URLs); deliveries naming another shop are refused",
    )
    add_endpoint_arguments(add)
    add.set_defaults(run=run_add)
    remove = actions.add_parser("remove", help="unregister a store: its schedules, record and secrets")
    remove.add_argument("--store", required=True)
    add_endpoint_arguments(remove)
    remove.set_defaults(run=run_remove)
    add_status_parser(actions)


def check_add_arguments(args: argparse.Namespace) -> None:
    supported = ", ".join(SUPPORTED_PLATFORMS)
    if args.platform not in PLATFORMS:
        raise CliError(f"--platform: {args.platform!r} is not a platform; supported: {supported}")
    if args.platform not in SUPPORTED_PLATFORMS:
        raise CliError(f"--platform: {args.platform} has no adapter yet; supported: {supported}")
    if not args.store_id.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise CliError(f"--store-id: {args.store_id!r} may hold only letters, digits, '-', '_' and '.'")
    url = urlsplit(args.api_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise CliError(f"--api-url: {args.api_url!r} is not an http(s) URL")
    if args.platform in SIGNATURE_CHECKS and not args.webhook_secret:
        raise CliError(f"--webhook-secret: a {args.platform} store needs one to verify its webhooks")
    if args.poll_minutes < 1:
        raise CliError("--poll-minutes: must be at least 1")
    if args.shop_domain and not _DOMAIN.match(args.shop_domain):
        raise CliError(f"--shop-domain: {args.shop_domain!r} is not a domain name")
    if args.location_ids and not all(part.strip().isdigit() for part in args.location_ids.split(",")):
        raise CliError(f"--location-ids: {args.location_ids!r} is not a comma-separated list of numeric ids")
    if args.currency and not re.fullmatch(r"[A-Z]{3}", args.currency):
        raise CliError(f"--currency: {args.currency!r} is not an ISO 4217 code such as EUR")
    if args.platform == "amazon_sp" and not args.marketplace_ids:
        raise CliError("--marketplace-ids: an amazon_sp store needs the marketplaces whose orders are read")
    if not args.skip_check:
        _check_required_secrets(args)


def _check_required_secrets(args: argparse.Namespace) -> None:
    required = list(DESCRIPTORS[args.platform].required_secrets)
    if args.auth == "oauth1":
        required += ["consumer_key", "consumer_secret"]
    for name in required:
        if not getattr(args, name, None):
            flag = "--" + name.replace("_", "-")
            raise CliError(f"{flag}: a {args.platform} store needs it to read its API (or pass --skip-check)")


def new_store(args: argparse.Namespace) -> NewStore:
    return NewStore(
        store_id=args.store_id,
        platform=args.platform,
        api_url=args.api_url,
        secrets=StoreSecrets(
            tuple(args.webhook_secret),
            args.api_key,
            args.api_secret,
            args.consumer_key,
            args.consumer_secret,
            args.refresh_token,
        ),
        poll_interval_minutes=args.poll_minutes,
        extra={name: value for name, value in _extra(args).items() if value},
    )


def _extra(args: argparse.Namespace) -> dict[str, str | None]:
    return {
        "location_ids": args.location_ids,
        "shop_domain": args.shop_domain,
        "auth": args.auth if args.auth == "oauth1" else None,
        "marketplace_ids": args.marketplace_ids,
        "lwa_token_url": args.lwa_token_url,
        "currency": args.currency,
        "shopify_api": args.shopify_api,
    }


def run_add(args: argparse.Namespace) -> int:
    check_add_arguments(args)
    connection = endpoint.connect(args.endpoint, args.stack)
    runtime = connection.runtime
    store = new_store(args)
    if not args.skip_check:
        try:
            check_credentials(store, services.platform_catalog(runtime, 10.0, attempts=2), datetime.now(UTC))
        except CredentialsRefused as refused:
            if refused.status_code is None:
                raise CliError(f"--api-url: the {args.platform} API cannot be reached: {refused}") from refused
            raise CliError(
                f"--api-key: the {args.platform} API cannot be read with these credentials: {refused}"
            ) from refused
    registered = register_store(
        store,
        services.store_registry(runtime),
        services.secrets_vault(runtime),
        services.platform_catalog(runtime),
        services.poll_schedules(runtime),
        runtime.settings.store_secret_prefix,
    )
    record = registered.record
    webhook_url = f"{connection.webhook_base_url or ''}webhooks/{record.platform}/{record.store_id}"
    print_json_line(
        {
            "store_id": record.store_id,
            "platform": record.platform,
            "webhook_url": webhook_url,
            "schedules": registered.schedules,
        }
    )
    return 0


def run_remove(args: argparse.Namespace) -> int:
    connection = endpoint.connect(args.endpoint, args.stack)
    record = registered_store(connection, args.store)
    runtime = connection.runtime
    registry = services.store_registry(runtime)
    vault, catalog = services.secrets_vault(runtime), services.platform_catalog(runtime)
    removed = remove_store(record, registry, vault, catalog, services.poll_schedules(runtime))
    print_json_line({"store_id": record.store_id, "schedules_removed": removed, "secrets": "deleted in 7 days"})
    return 0
