"""Telling people: an in-app list per user, and an e-mail to the organisation's contact.

A notification is stored as a kind and its parameters, so each page shows it in the
reader's language (web: NOTICE_TEXT). The e-mail goes through the SMTP server of
MATCHMAKER_SMTP_HOST; without one it is appended to an outbox file (MATCHMAKER_OUTBOX,
by default next to a SQLite store, else under ~/.cache/matchmaker), so a demo or a test
can read what would have been sent. Mail is sent after the change is committed and a
failing server never undoes it: the mail then lands in the outbox with the error.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from matchmaker.settings import Settings, settings
from matchmaker.store import Store, notifications, organisations, users
from matchmaker.trust.audit import now

log = logging.getLogger(__name__)

KINDS = ("intro_requested", "intro_introduced", "intro_declined", "search_alert")

# E-mails are written in both languages: the store keeps no language per contact.
MAIL_TEXT: dict[str, tuple[str, str]] = {
    "intro_requested": (
        "Matchmaker: nogen vil gerne introduceres til jer / someone asks to be introduced",
        "Der er en anmodning om introduktion vedrørende jeres strøm «{title}».\n{message_da}"
        "Svar på siden Introduktioner: {link}\n\n"
        "There is a request for an introduction about your stream «{title}».\n{message_en}"
        "Answer it on the Introductions page: {link}\n"),
    "intro_introduced": (
        "Matchmaker: I er nu introduceret / you are now introduced",
        "Begge parter har sagt ja til introduktionen om «{title}». Kontaktoplysningerne står på siden "
        "Introduktioner: {link}\n\n"
        "Both sides accepted the introduction about «{title}». The contact details are on the "
        "Introductions page: {link}\n"),
    "intro_declined": (
        "Matchmaker: introduktionen blev ikke til noget / an introduction was declined",
        "Introduktionen om «{title}» blev afslået.\n\nThe introduction about «{title}» was declined.\n"),
    "search_alert": (
        "Matchmaker: ny partner til jeres gemte søgning / a new partner for your saved search",
        "Et nyt match til jeres gemte søgning «{text}»: «{title}»{km_da}. Se det her: {link}\n\n"
        "A new match for your saved search «{text}»: «{title}»{km_en}. See it here: {link}\n"),
}


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def outbox_path(store: Store, env: Settings | None = None) -> Path:
    """MATCHMAKER_OUTBOX, else outbox.txt beside a SQLite store's file, else under ~/.cache/matchmaker."""
    env = env or settings()
    if env.outbox:
        return env.outbox
    url = store.url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///")).parent / "outbox.txt"
    return env.cache_dir / "outbox.txt"


def users_of(conn: Connection, org_ids: Iterable[str]) -> list[str]:
    """The accounts of these organisations (firm users), in name order."""
    ids = [o for o in org_ids if o]
    if not ids:
        return []
    return list(conn.execute(select(users.c.username).where(users.c.org_id.in_(ids)).order_by(users.c.username)).scalars())


def mails_for(conn: Connection, org_ids: Iterable[str], kind: str, params: dict, base_url: str = "") -> list[Mail]:
    """One mail per organisation that has a contact e-mail; the body in Danish and English."""
    subject, body = MAIL_TEXT[kind]
    fields = {k: ("" if v is None else str(v)) for k, v in params.items()}
    fields["link"] = base_url + fields.get("link", "")
    message = fields.get("message", "")
    fields.setdefault("message_da", f"Besked: {message}\n" if message else "")
    fields.setdefault("message_en", f"Message: {message}\n" if message else "")
    km = fields.get("km", "")
    fields.setdefault("km_da", f", {km} km væk" if km else "")
    fields.setdefault("km_en", f", {km} km away" if km else "")
    out = []
    ids = sorted({o for o in org_ids if o})
    rows = conn.execute(select(organisations.c.contact_email).where(organisations.c.id.in_(ids))).scalars() if ids else []
    for email in rows:
        if email:
            out.append(Mail(email, subject, body.format_map(_Missing(fields))))
    return out


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return ""


def notify(conn: Connection, usernames: Iterable[str], kind: str, params: dict, link: str = "") -> int:
    """Add one unread notification per user, inside the caller's transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    rows = [{"username": u, "at": now(), "kind": kind, "params": json.dumps(params, ensure_ascii=False),
             "link": link, "read_at": None} for u in dict.fromkeys(usernames)]
    if rows:
        conn.execute(notifications.insert(), rows)
    return len(rows)


def unread_count(store: Store, username: str | None) -> int:
    if not username:
        return 0
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(notifications).where(
            notifications.c.username == username, notifications.c.read_at.is_(None))).scalar() or 0)


def list_for(store: Store, username: str, limit: int = 100) -> list[dict]:
    """A user's notifications, newest first, with their parameters read back."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(notifications).where(notifications.c.username == username)
                            .order_by(notifications.c.id.desc()).limit(limit)).mappings().all()
    out = []
    for r in rows:
        try:
            params = json.loads(r["params"]) if r["params"] else {}
        except ValueError:
            params = {}
        out.append({**r, "params": params if isinstance(params, dict) else {}})
    return out


def mark_read(store: Store, username: str) -> int:
    with store.transaction() as conn:
        return conn.execute(notifications.update().where(notifications.c.username == username,
                                                         notifications.c.read_at.is_(None)).values(read_at=now())).rowcount


_outbox_lock = threading.Lock()


def _to_outbox(path: Path, mails: list[Mail], note: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with _outbox_lock, path.open("a", encoding="utf-8") as f:
        for m in mails:
            f.write(f"--- {now()}{(' ' + note) if note else ''}\nTo: {m.to}\nSubject: {m.subject}\n\n{m.body}\n")


def send(store: Store, mails: list[Mail], env: Settings | None = None) -> str:
    """Deliver mails: by SMTP when a server is configured, else to the outbox. Returns where they went."""
    if not mails:
        return "none"
    env = env or settings()
    if not env.smtp_host:
        _to_outbox(outbox_path(store, env), mails)
        return "outbox"
    try:
        context = ssl.create_default_context()
        if env.smtp_port == 465:
            server: smtplib.SMTP = smtplib.SMTP_SSL(env.smtp_host, env.smtp_port, timeout=10, context=context)
        else:
            server = smtplib.SMTP(env.smtp_host, env.smtp_port, timeout=10)
        with server:
            if env.smtp_port != 465 and server.has_extn("starttls"):
                server.starttls(context=context)
            if env.smtp_user:
                server.login(env.smtp_user, env.smtp_password or "")
            for m in mails:
                message = EmailMessage()
                message["From"], message["To"], message["Subject"] = env.smtp_from, m.to, m.subject
                message.set_content(m.body)
                server.send_message(message)
        return "smtp"
    except (OSError, smtplib.SMTPException) as exc:  # the change stands; the mail waits in the outbox
        log.warning("mail server %s failed (%s); %d mail(s) written to the outbox", env.smtp_host, exc, len(mails))
        _to_outbox(outbox_path(store, env), mails, note=f"(not sent: {exc.__class__.__name__})")
        return "outbox"
