"""Cadres (帮扶干部), their assignments (结对帮扶, 第一书记, 驻村工作队), visits (走访) and residency (驻村)."""
