"""The annual adjustment window (年度调整): the household fields the national system locks change only while a
window is open; outside it they wait as pending changes, applied by a job when a window opens."""
