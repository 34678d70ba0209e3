"""``storeloom suppress add|remove|list``: the store's suppression list, by hashed contact with a masked hint.

``remove`` of a contact that is not suppressed is a one-line error with exit status 1 (the input is fine,
there was nothing to remove), as ``CliError`` defines it.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from storeloom.domain.suppression import Suppression, email_contact, parse_reason, sms_contact
from storeloom_tools.cli.common import add_endpoint_arguments, print_json_line, registered_store
from storeloom_tools.errors import CliError

if TYPE_CHECKING:
    from storeloom.services.suppression import Contact


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("suppress", help="add, remove or list a store's suppressed contacts")
    parser.add_argument("action", choices=["add", "remove", "list"])
    parser.add_argument("--store", required=True)
    parser.add_argument("--email", help="an email address")
    parser.add_argument("--phone", help="an E.164 phone number, e.g. +447700900123")
    parser.add_argument("--reason", help="why, for add: a short label (default manual)")
    parser.add_argument("--json", action="store_true")
    add_endpoint_arguments(parser)
    parser.set_defaults(run=run)


def _contacts(args: argparse.Namespace) -> list[tuple[str, Contact]]:
    """Each contact named, with the flag that named it, so an error names the flag."""
    from storeloom.services.suppression import Contact

    if args.action == "list":
        if args.email or args.phone:
            raise CliError("--email: suppress list takes no --email or --phone; it lists the whole store")
        return []
    if not args.email and not args.phone:
        raise CliError(f"--email: suppress {args.action} needs --email or --phone (or both)")
    contacts: list[tuple[str, Contact]] = []
    for flag, value, parse in (("--email", args.email, email_contact), ("--phone", args.phone, sms_contact)):
        if value:
            try:
                contacts.append((flag, Contact(*parse(value))))
            except ValueError as error:
                raise CliError(f"{flag}: {error}") from error
    return contacts


def _reason(args: argparse.Namespace) -> str:
    if args.reason is None:
        return "manual"
    if args.action != "add":
        raise CliError(f"--reason: only suppress add takes a reason, not suppress {args.action}")
    try:
        return parse_reason(args.reason)
    except ValueError as error:
        raise CliError(f"--reason: {error}") from error


def _print(entry: Suppression, as_json: bool) -> None:
    if as_json:
        print_json_line(entry.model_dump(mode="json"))
        return
    when = entry.at.isoformat() if entry.at else "-"
    sys.stdout.write(f"{entry.hint or '-':<24}  {entry.medium:<5}  {entry.reason:<13}  {entry.source:<15}  {when}\n")


def run(args: argparse.Namespace) -> int:
    from storeloom.bootstrap import services
    from storeloom_tools.local import endpoint

    named, reason = _contacts(args), _reason(args)
    connection = endpoint.connect(args.endpoint, args.stack)
    registered_store(connection, args.store)
    service = services.suppression_service(connection.runtime)
    contacts = [contact for _, contact in named]
    if args.action == "remove":
        return _remove(service.remove(args.store, contacts), named, args)
    entries = service.add(args.store, contacts, reason) if args.action == "add" else service.entries(args.store)
    for entry in entries:
        _print(entry, args.json)
    return 0


def _remove(removed: dict[str, bool], named: list[tuple[str, Contact]], args: argparse.Namespace) -> int:
    for hint, was in removed.items():
        if not was:
            continue
        if args.json:
            print_json_line({"store_id": args.store, "hint": hint, "removed": True})
        else:
            sys.stdout.write(f"removed {hint}\n")
    missing = [hint for hint, was in removed.items() if not was]
    if missing:
        flag = next(flag for flag, contact in named if contact.hint == missing[0])
        raise CliError(f"{flag}: {', '.join(missing)} is not suppressed in store {args.store!r}", status=1)
    return 0
