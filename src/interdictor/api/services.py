"""What the endpoints share: the database and the one Processor of the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from interdictor.ingest.service import Processor


@dataclass(frozen=True, slots=True)
class Services:
    """The app's engine, its sessions, and the Processor every submission goes through."""

    engine: Engine
    sessions: sessionmaker[Session]
    processor: Processor


def get_services(request: Request) -> Services:
    """The services of the app handling ``request``."""
    services: Services = request.app.state.services
    return services


Svc = Annotated[Services, Depends(get_services)]
