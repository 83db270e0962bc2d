"""Projects on record (扶贫项目库): the library of projects with their stages, performance targets, milestones,
funds (allocations and disbursements), beneficiaries and public notices."""
