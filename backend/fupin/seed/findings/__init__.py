"""Demo supervision findings (督查整改): two inspection batches raised by the city's inspection group (市专项督查组)
in the 双辽市 townships and beyond, worked through the findings' own services by the demo users whose job it is:
the township offices (and the county office for its own findings) start rectifying, add tasks, mark them done,
attach evidence and submit; the inspector returns one with a reason and closes others, transfers one to the
discipline commission (移交纪委) and re-inspects a closed one (回头看), which marks it reopened; the county office
pauses one deadline while it waits on the housing bureau. Then the daily deadlines check runs for `today`, so
overdue days, yellow and red warnings and escalations exist. So every findings screen (board, detail, reminders,
discipline inbox) and the assessment's findings indicators show real-looking work on first sight.

Each step runs on its own day (the findings clock set to that day), so closing days, task days and pauses are
plausible; the step history's timestamps are the moment of seeding, as the services stamp them. Once: nothing when
a finding exists."""

from fupin.seed.findings.files import demo_pdf, demo_png
from fupin.seed.findings.seeder import seed_findings
from fupin.seed.findings.stories import FINDINGS, batches

__all__ = ["FINDINGS", "batches", "demo_pdf", "demo_png", "seed_findings"]
