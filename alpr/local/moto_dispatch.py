"""Makes moto's request dispatch cheaper for the local stack, without changing what it answers.

moto's server finds the backend for every request by listing its own package folder on disk
(``moto.backends.list_of_moto_modules``: one ``listdir`` plus an ``isdir`` per service, up to twice a request,
under a lock every request thread waits on). The folder does not change while the process runs: list it once.
"""

from __future__ import annotations

from collections.abc import Iterable


def cache_backend_list() -> None:
    import moto.backends

    if getattr(moto.backends.list_of_moto_modules, "listed_once", False):
        return
    modules = tuple(moto.backends.list_of_moto_modules())

    def list_of_moto_modules() -> Iterable[str]:
        return modules

    list_of_moto_modules.listed_once = True  # type: ignore[attr-defined]
    moto.backends.list_of_moto_modules = list_of_moto_modules
