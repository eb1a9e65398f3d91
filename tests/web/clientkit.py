"""Shared by the route tests: the served project and the framework's test client on it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from webproject import WebProject, web_project

from faisceau.web import Workbench, create_app

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def wp(tmp_path_factory: pytest.TempPathFactory) -> WebProject:
    return web_project(tmp_path_factory)


@pytest.fixture(scope="module")
def client(wp: WebProject) -> Iterator[TestClient]:
    with TestClient(create_app(Workbench.open(wp.root)), base_url=BASE) as c:
        yield c
