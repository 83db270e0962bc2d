"""Demo jobs: the demo township's office uploaded a small GB18030 CSV of new households (one row with a wrong ID
number) and asked for an export of its area, as an office does. Both are queued through the same services as the
API (checked file, audited submission); the job worker of `make run` runs them when the server starts, so the
import page, the jobs page and the error workbook show real work on first sight."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from fupin.authz.deps import job_owner
from fupin.authz.roles import Permission
from fupin.authz.scope import unscoped
from fupin.config import Settings
from fupin.core.db import make_engine, make_sessionmaker
from fupin.exports import jobs as export_jobs
from fupin.exports.schemas import ExportCreate
from fupin.households import columns
from fupin.imports import service as imports
from fupin.jobs.models import Job
from fupin.seed.generator import generate
from fupin.seed.regions import DEMO_VILLAGE
from fupin.users.models import User

DEMO_IMPORT_FILE = "东方红村新识别户.csv"
DEMO_IMPORT_HOUSEHOLDS = 6


def demo_import_csv() -> bytes:
    """Six new households of the demo village in the 建档立卡 layout, GB18030 as Excel in China writes it; the
    second household's head has an ID number with a wrong check digit."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns.HEADERS)
    for index, g in enumerate(generate([DEMO_VILLAGE], DEMO_IMPORT_HOUSEHOLDS, seed=4242, detailed=False)):
        values: dict[str, Any] = dict(g.values)
        values["group"] = values.pop("group_name", None)
        household = {**values, "village_code": g.village_code, "source_system": "乡镇台账"}
        household["external_id"] = f"DFH-{index}"
        for position, member in enumerate(g.members):
            cells = columns.row_cells(household, member)
            if index == 1 and position == 0:
                number = member["id_number"]
                cells[columns.HEADERS.index("证件号码")] = number[:17] + ("0" if number[17] != "0" else "1")
            writer.writerow(cells)
    return out.getvalue().encode("gb18030")


async def seed_demo_jobs(settings: Settings) -> int:
    """Queue the demo import and export once (0 when the demo import exists already); how many were queued."""
    engine = make_engine(settings.database_url, 1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            seeded = select(Job.id).where(Job.kind == imports.KIND).limit(1)
            if (await session.execute(seeded.execution_options(**unscoped("seeding demo jobs")))).first():
                return 0
            stmt = select(User).where(User.username == "township").execution_options(**unscoped("the demo user"))
            user = (await session.execute(stmt)).scalar_one_or_none()
            if user is None:
                return 0
            principal = await job_owner(
                session,
                owner_type="user",
                owner_id=str(user.public_id),
                region_code=user.region_code,
                needs=Permission.HOUSEHOLDS_WRITE,
            )
            upload = imports.new_upload(settings.files_root)
            upload.path.write_bytes(demo_import_csv())
            await imports.submit(
                session,
                principal,
                folder=upload.folder,
                upload=upload.path,
                options=imports.ImportOptions(id_scheme="external", encoding="gb18030"),
                filename=DEMO_IMPORT_FILE,
            )
            await export_jobs.submit(
                session,
                principal,
                body=ExportCreate.model_validate({"entity": "households", "format": "xlsx"}),
                settings=settings,
            )
            return 2
    finally:
        await engine.dispose()
