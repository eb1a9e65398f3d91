"""Work started in a thread while the run goes on (the workers' start, the tools' versions)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Background(Generic[T]):
    """Run a function in a thread; `result()` waits for it (and re-raises what it raised)."""

    def __init__(self, func: Callable[[], T]) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(func,), daemon=True)
        self._thread.start()

    def _run(self, func: Callable[[], T]) -> None:
        try:
            self._value = func()
        except BaseException as e:  # handed to the caller of result()
            self._error = e

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # set when no error was raised
