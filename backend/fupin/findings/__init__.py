"""Supervision findings (督查问题整改): raised by inspectors and the offices, rectified by the responsible units,
verified and closed (对账销号) by an inspector or the city office."""
