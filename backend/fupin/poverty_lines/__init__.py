"""Poverty lines (贫困线): yuan per person per year, as data per year and scope (national, province, city)."""
