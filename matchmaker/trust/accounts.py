"""User accounts: admin, facilitator, and firm users tied to one organisation.

Passwords are hashed with argon2id (argon2-cffi); only the hash is stored.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from matchmaker.errors import MatchmakerError, NotFound
from matchmaker.settings import ROOT
from matchmaker.store import Store, organisations, users
from matchmaker.trust.audit import now

ROLES = ("admin", "facilitator", "firm")
STAFF = ("admin", "facilitator")  # see and edit the whole programme
MIN_PASSWORD = 10
_NAME = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")
_hasher = PasswordHasher()
_dummy: dict[str, str] = {}


def use_test_hasher() -> None:
    """A cheap argon2 profile for test suites only: hashes stay valid argon2id, made in
    microseconds instead of half a second. Production code never calls this."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    _dummy.clear()


def _dummy_hash() -> str:
    """Verified against when the user is unknown, so a wrong name costs as long as a wrong
    password; made on first use (not at import) with the current profile."""
    if "hash" not in _dummy:
        _dummy["hash"] = _hasher.hash("not-a-real-password")
    return _dummy["hash"]


@dataclass(frozen=True)
class User:
    username: str
    role: str
    org_id: str | None = None



def add_user(store: Store, username: str, role: str, password: str, org_id: str | None = None,
             replace: bool = False) -> User:
    """Create (or with `replace`, reset) an account. Firm users need their organisation."""
    if not _NAME.match(username or ""):
        raise MatchmakerError("username: 2-64 letters, digits or . _ @ -")
    if role not in ROLES:
        raise MatchmakerError(f"unknown role {role!r}; expected one of: {', '.join(ROLES)}")
    check_password(password, username)
    if role == "firm" and not org_id:
        raise MatchmakerError("a firm user needs --org, the organisation it belongs to")
    if role != "firm" and org_id:
        raise MatchmakerError("only firm users belong to an organisation")
    row = {"username": username, "role": role, "org_id": org_id, "password_hash": _hasher.hash(password),
           "created_at": now(), "session_key": secrets.token_hex(16)}  # a reset ends every old session
    with store.transaction() as conn:
        if org_id and conn.execute(select(organisations.c.id).where(organisations.c.id == org_id)).first() is None:
            raise NotFound(f"unknown organisation {org_id!r}")
        exists = conn.execute(select(users.c.username).where(users.c.username == username)).first()
        if exists and not replace:
            raise MatchmakerError(f"user {username!r} exists already")
        if exists:
            conn.execute(users.update().where(users.c.username == username).values(**row))
        else:
            conn.execute(users.insert().values(**row))
    return User(username, role, org_id)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """data/common_passwords.txt: the 10,000 most common passwords (source cited in the file)."""
    path = ROOT / "data" / "common_passwords.txt"  # shipped with the code, whatever MATCHMAKER_DATA says
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


def check_password(password: str, username: str = "") -> None:
    """At least MIN_PASSWORD characters, 5 different ones, not the username, and neither a
    common password nor one with digits or punctuation added to the end."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise MatchmakerError(f"password: at least {MIN_PASSWORD} characters")
    lowered = password.lower()
    if len(set(lowered)) < 5:
        raise MatchmakerError("password: use at least 5 different characters")
    if username and username.lower() in lowered:
        raise MatchmakerError("password: must not contain the username")
    bases = {lowered, lowered.rstrip("!.?#*-_ "), lowered.rstrip("0123456789!.?#*-_ ")}
    if any(base in common_passwords() for base in bases if base):
        raise MatchmakerError("password: this is one of the most common passwords; choose another")


def session_key(store: Store, username: str) -> str | None:
    """The key a valid session of this user carries (made on first use for accounts from older stores)."""
    with store.transaction() as conn:
        row = conn.execute(select(users.c.session_key).where(users.c.username == username)).first()
        if row is None:
            return None
        if row.session_key:
            return row.session_key
        key = secrets.token_hex(16)
        conn.execute(users.update().where(users.c.username == username).values(session_key=key))
        return key


def session_user(store: Store, username: str, key: str | None) -> User | None:
    """The user a session cookie names, if the account exists and the cookie's key is current."""
    with store.engine.connect() as conn:
        row = conn.execute(select(users.c.username, users.c.role, users.c.org_id, users.c.session_key)
                           .where(users.c.username == username)).first()
    if row is None or not key or not row.session_key or not secrets.compare_digest(key, row.session_key):
        return None
    return User(row.username, row.role, row.org_id)


def end_sessions(store: Store, username: str) -> None:
    """Log this user out everywhere: every cookie issued so far stops working."""
    with store.transaction() as conn:
        conn.execute(users.update().where(users.c.username == username).values(session_key=secrets.token_hex(16)))


_ARGON2 = re.compile(r"^\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$")


def user_record_problems(row: dict) -> list[str]:
    """What is wrong with one account record of a backup (restore checks each before writing)."""
    problems = []
    if not isinstance(row.get("username"), str) or not _NAME.match(row["username"]):
        problems.append("username: 2-64 letters, digits or . _ @ -")
    if row.get("role") not in ROLES:
        problems.append(f"role {str(row.get('role'))[:20]!r} is not one of {', '.join(ROLES)}")
    if row.get("org_id") is not None and not isinstance(row.get("org_id"), str):
        problems.append("org_id must be text")
    elif (row.get("role") == "firm") != bool(row.get("org_id")):
        problems.append("a firm user belongs to an organisation, and only a firm user does")
    if not isinstance(row.get("password_hash"), str) or not _ARGON2.match(row["password_hash"]):
        problems.append("password_hash is not an argon2 hash")
    if not isinstance(row.get("created_at"), str):
        problems.append("created_at must be text")
    return problems


def remove_user(store: Store, username: str) -> None:
    with store.transaction() as conn:
        if conn.execute(delete(users).where(users.c.username == username)).rowcount == 0:
            raise NotFound(f"unknown user {username!r}")


def list_users(store: Store) -> list[User]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(users.c.username, users.c.role, users.c.org_id).order_by(users.c.username)).all()
    return [User(*r) for r in rows]


def get_user(store: Store, username: str) -> User | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(users.c.username, users.c.role, users.c.org_id)
                           .where(users.c.username == username)).first()
    return User(*row) if row else None


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The user if the password is right, else None (same work either way)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == (username or "")[:64])).mappings().first()
    try:
        _hasher.verify(row["password_hash"] if row else _dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    return User(row["username"], row["role"], row["org_id"])


DEMO_FIRM = "Skagerrak Fiskeindustri A/S"


def reset_demo_accounts(store: Store) -> list[tuple[str, str, str | None, str]]:
    """For the invented demo programme only: (re)create a facilitator and a firm user with
    fresh random passwords, returned so `matchmaker demo` can print them."""
    import secrets
    orgs = store.organisations()
    firms = [o for o in orgs if o.kind == "firm"]
    if not firms or not all(o.invented for o in firms):  # real firms: never a known password
        return []
    firm = next((o for o in orgs if o.name == DEMO_FIRM), firms[0])
    made = []
    for username, role, org in (("demo-facilitator", "facilitator", None), ("demo-firm", "firm", firm)):
        password = secrets.token_urlsafe(9)
        add_user(store, username, role, password, org.id if org else None, replace=True)
        made.append((username, role, org.name if org else None, password))
    return made
