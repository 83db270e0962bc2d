"""考核: township and village scores from the measured facts of the other domains, ranked per period."""
