"""Views that make failures of assistance visible (帮扶短板): read-only lists over households, measures, cadres,
visits and residency days, each with a file export."""
