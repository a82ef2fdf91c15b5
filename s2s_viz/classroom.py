"""A class that answers together: a teacher opens a class, students join it with its short code (no accounts).

The teacher moves the class from stop to stop of the lesson; each student's lesson follows. Students' answers to
the current stop are pooled without names (each student's latest answer counts once), the teacher sees how many
gave each answer, then reveals the model's. Everything is kept in this process's memory, bounded: at most
``S2S_VIZ_CLASSES`` classes (20) of at most ``S2S_VIZ_CLASS_SIZE`` students (60), each closed
``S2S_VIZ_CLASS_HOURS`` (3) after it was opened. A class is known by its code; the teacher by a secret only their
page holds, a student by an id only their page holds (both survive a reload: the page keeps them).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from .translation import InputError

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read off a projector
CODE_LENGTH = 5


def _limit(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass
class ClassState:
    """What a page needs to follow its class: where it is, whether the answer is out, and the pooled answers."""

    code: str
    stop: str
    revealed: bool
    counts: dict  # answer -> how many students gave it (the current stop only)
    answered: int
    students: int
    version: int  # changes whenever anything above does: a page redraws only then
    expires_in_s: float


@dataclass
class _Class:
    code: str
    secret: str
    stop: str
    opened: float
    students: set = field(default_factory=set)
    answers: dict = field(default_factory=dict)  # student -> answer, for the current stop
    revealed: bool = False
    version: int = 0


class Classes:
    """Every open class of this server."""

    def __init__(self, most: int | None = None, size: int | None = None, hours: float | None = None, clock=None):
        self.most = int(most or _limit("S2S_VIZ_CLASSES", 20))
        self.size = int(size or _limit("S2S_VIZ_CLASS_SIZE", 60))
        self.lifetime = 3600 * float(hours or _limit("S2S_VIZ_CLASS_HOURS", 3))
        self._clock = clock or time.monotonic
        self._classes: dict[str, _Class] = {}
        self._lock = threading.Lock()

    # ---- the teacher -----------------------------------------------------------------------------------
    def open(self, stop: str) -> tuple[str, str]:
        """A new class at ``stop``: its code (for the students) and the teacher's secret (for this page only)."""
        with self._lock:
            self._close_expired()
            if len(self._classes) >= self.most:
                raise InputError(
                    f"this server has {self.most} classes open already: close one, or wait until one expires"
                )
            code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            while code in self._classes:
                code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            secret = secrets.token_urlsafe(16)
            self._classes[code] = _Class(code, secret, stop, self._clock())
            return code, secret

    def move(self, code: str, secret: str, stop: str) -> ClassState:
        """The teacher moves the class to ``stop``: the answers start afresh, hidden until revealed."""
        with self._lock:
            room = self._teachers(code, secret)
            if room.stop != stop:
                room.stop, room.answers, room.revealed = stop, {}, False
                room.version += 1
            return self._state(room)

    def reveal(self, code: str, secret: str) -> ClassState:
        with self._lock:
            room = self._teachers(code, secret)
            if not room.revealed:
                room.revealed = True
                room.version += 1
            return self._state(room)

    def close(self, code: str, secret: str) -> None:
        with self._lock:
            self._teachers(code, secret)
            del self._classes[_clean(code)]

    # ---- the students ----------------------------------------------------------------------------------
    def join(self, code: str, student: str | None = None) -> tuple[str, ClassState]:
        """A student joins (or, with the id their page kept, joins again): their id and the class's state."""
        with self._lock:
            room = self._find(code)
            if student not in room.students:
                if len(room.students) >= self.size:
                    raise InputError(f"class {room.code} is full ({self.size} students)")
                student = secrets.token_urlsafe(12)
                room.students.add(student)
                room.version += 1
            return student, self._state(room)

    def answer(self, code: str, student: str, stop: str, answer) -> ClassState:
        """A student's answer to the class's current stop (a later one replaces it); refused once revealed."""
        with self._lock:
            room = self._find(code)
            if student not in room.students:
                raise InputError(f"you are not in class {room.code}: join it again with its code")
            if stop != room.stop:
                raise InputError("the class has moved on: this answer is for another stop")
            if room.revealed:
                raise InputError("the answer is out already: wait for the next question")
            room.answers[student] = str(answer)[:80]
            room.version += 1
            return self._state(room)

    # ---- everyone --------------------------------------------------------------------------------------
    def state(self, code: str) -> ClassState:
        with self._lock:
            return self._state(self._find(code))

    def _find(self, code) -> _Class:
        self._close_expired()
        room = self._classes.get(_clean(code))
        if room is None:
            raise InputError(
                f"no class {str(code)[:12]!r} is open on this server (it may have expired): check the code"
            )
        return room

    def _teachers(self, code, secret) -> _Class:
        room = self._find(code)
        if not isinstance(secret, str) or not secrets.compare_digest(secret, room.secret):
            raise InputError(f"only the teacher who opened class {room.code} can do that")
        return room

    def _close_expired(self) -> None:
        now = self._clock()
        for code in [code for code, room in self._classes.items() if now - room.opened > self.lifetime]:
            del self._classes[code]

    def _state(self, room: _Class) -> ClassState:
        return ClassState(
            code=room.code,
            stop=room.stop,
            revealed=room.revealed,
            counts=dict(Counter(room.answers.values())),
            answered=len(room.answers),
            students=len(room.students),
            version=room.version,
            expires_in_s=max(0.0, self.lifetime - (self._clock() - room.opened)),
        )


def _clean(code) -> str:
    return str(code or "").strip().upper()[:12]


CLASSES = Classes()  # this server's classes
