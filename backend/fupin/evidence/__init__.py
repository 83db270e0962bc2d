"""Evidence files (佐证材料): photos and documents attached to visits, measures, projects and findings."""
